package dev.loupe.datacheck;

/**
 * A labelled image whose label is likely wrong.
 *
 * @param imageId        the image
 * @param givenClass     its label (class index of the {@link LabelCheckInput})
 * @param suggestedClass the class the check suggests instead
 * @param score          how likely the label is wrong: 1 − the probability of the given class (the head's
 *                       out-of-sample probability blended with the neighbours' vote); the list is sorted by it
 * @param pGiven         out-of-sample probability of the given class (from a head that did not train on this label)
 * @param pSuggested     out-of-sample probability of the suggested class
 * @param neighboursAgreeing how many of the {@code neighbours} nearest labelled images carry the suggested class
 * @param neighbours     how many nearest labelled images were looked at
 * @param why            one plain sentence saying why
 */
public record Suspect(long imageId, int givenClass, int suggestedClass, double score, double pGiven, double pSuggested,
                      int neighboursAgreeing, int neighbours, String why) {
}
