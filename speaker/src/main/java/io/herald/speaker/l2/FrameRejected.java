package io.herald.speaker.l2;

/**
 * Thrown inside this package by a decoder that found a reason not to answer; the responder
 * turns it into a {@link Decision.Drop} before anything leaves the package. No stack trace:
 * it is a verdict on a frame, and hostile traffic should not cost one.
 */
final class FrameRejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final DropReason reason;

    FrameRejected(DropReason reason) {
        super(reason.label(), null, false, false);
        this.reason = reason;
    }

    DropReason reason() {
        return reason;
    }
}
