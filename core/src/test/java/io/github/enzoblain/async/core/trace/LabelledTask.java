package io.github.enzoblain.async.core.trace;

import io.github.enzoblain.async.core.Labelled;

/** A runnable with a lane label, as a scheduler worker would submit. */
final class LabelledTask implements Runnable, Labelled {
    private final String label;
    private final Runnable body;

    LabelledTask(String label, Runnable body) {
        this.label = label;
        this.body = body;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public void run() {
        body.run();
    }
}
