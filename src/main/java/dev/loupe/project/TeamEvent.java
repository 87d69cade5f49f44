package dev.loupe.project;

/**
 * One journal event as the team's server holds it (docs/adr/0034-team-server.md): identified by a global
 * {@code eventId} (a UUID), its image by content hash and relative path, its classes by name, the event it undoes by
 * that event's id. {@code serverSeq} is the server's sequence number (0 before upload); {@code localSeq} the journal
 * seq in the project it was read from (0 for an event read from the server).
 */
public record TeamEvent(long serverSeq, String eventId, long timeMs, EventKind kind, String annotator,
                        String imageSha256, String imageRelPath, String className, String otherClassName, String text,
                        String undoOf, boolean adjudication, long localSeq) {

    /** The same event with the server's sequence number. */
    public TeamEvent withServerSeq(long seq) {
        return new TeamEvent(seq, eventId, timeMs, kind, annotator, imageSha256, imageRelPath, className,
                otherClassName, text, undoOf, adjudication, 0);
    }
}
