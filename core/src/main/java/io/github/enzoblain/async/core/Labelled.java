package io.github.enzoblain.async.core;

/**
 * A task that names the lane it belongs to (a scheduler worker, a pipeline stage). Hooks read it through
 * {@link TaskHandle#label()} to group traces and metrics; the loop itself ignores it.
 */
public interface Labelled {

    /** @return the label, e.g. {@code "worker-3"} */
    String label();
}
