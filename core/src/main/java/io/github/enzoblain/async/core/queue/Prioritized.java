package io.github.enzoblain.async.core.queue;

/**
 * A task that carries a priority class for a {@linkplain RunQueues#priority(int) priority run queue}: class 0 runs first.
 * A task that does not implement it runs in the queue's default class.
 */
public interface Prioritized {

    /** @return the priority class, 0 being the most urgent */
    int priority();
}
