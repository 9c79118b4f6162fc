package io.github.enzoblain.async.core.queue;

/**
 * A task that carries a priority class for a {@linkplain RunQueues#priority(int) priority run queue}: class 0 runs first.
 * A task that does not implement it, or whose class is negative ("no class"), runs in the queue's default class; a class
 * beyond the queue's last runs in the last.
 */
public interface Prioritized {

    /** @return the priority class, 0 being the most urgent; negative for none */
    int priority();
}
