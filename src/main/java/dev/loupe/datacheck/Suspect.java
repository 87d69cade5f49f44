package dev.loupe.datacheck;

/**
 * A labelled image whose label is likely wrong.
 *
 * @param imageId        the image
 * @param givenClass     its label (class index of the {@link LabelCheckInput})
 * @param suggestedClass the class the check suggests instead
 * @param score          how sure the check is that the label is wrong: the suggested class's probability minus the
 *                       given one's (−1..1; the list is sorted by it, highest first)
 * @param pGiven         out-of-sample probability of the given class (from a head that did not train on this label)
 * @param pSuggested     out-of-sample probability of the suggested class
 * @param neighboursAgreeing how many of the {@code neighbours} nearest labelled images carry the suggested class
 * @param neighbours     how many nearest labelled images were looked at
 * @param why            one plain sentence saying why
 */
public record Suspect(long imageId, int givenClass, int suggestedClass, double score, double pGiven, double pSuggested,
                      int neighboursAgreeing, int neighbours, String why) {
}
