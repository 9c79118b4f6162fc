package io.github.enzoblain.async.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The callbacks registered with {@link Loop#onTermination(Runnable)}: registered and cancelled from any thread, in
 * O(1) each, and taken out all at once by the thread that terminates the loop ({@link #takeAll()}), which then runs
 * them. Each callback is taken out at most once, either by {@code takeAll} (it runs) or by its {@code cancel()} (it
 * never runs).
 *
 * <p><b>Concurrency.</b> Every method holds this object's monitor, so a thread that registers after
 * {@link #takeAll()} sees what the terminating thread did before it, and a callback that {@code cancel()} unlinks is
 * referenced by nothing here any more: a long-lived loop whose short-lived users register and cancel keeps nothing of
 * them.
 */
final class TerminationCallbacks {

    /*
     * Implementation notes.
     *
     * - A circular doubly-linked list through a sentinel: link at the tail, unlink anywhere, both O(1) under the
     *   monitor. A lock, not a lock-free list: a lock-free one unlinks lazily (a cancelled node stays reachable until
     *   someone walks past it), which is the accumulation this class exists to avoid, and neither path is hot (one
     *   registration per user of the loop, such as a subscription, not per task).
     * - `takeAll` empties the list and marks every node taken, so a cancel() that comes after says false and the
     *   callback runs exactly once; a node forgets its callback once cancelled or taken, so a registration its user
     *   still holds does not keep the callback (and what it captured) reachable.
     */

    private final Node sentinel = new Node(this, null, false);
    private boolean taken; // takeAll() ran: later registrations run at once on their caller

    TerminationCallbacks() {
        sentinel.prev = sentinel.next = sentinel;
    }

    /**
     * @return the callback's registration: pending (to be run by the terminating thread) or, if {@link #takeAll()}
     *         ran already, {@link Node#late} (the caller runs the callback itself)
     */
    synchronized Node register(Runnable callback) {
        if (taken) {
            return new Node(this, null, true);
        }
        Node n = new Node(this, callback, false);
        Node last = sentinel.prev;
        n.prev = last;
        n.next = sentinel;
        last.next = n;
        sentinel.prev = n;
        return n;
    }

    /**
     * Takes every pending callback out and makes later registrations run at once.
     *
     * @return the callbacks, in registration order
     */
    synchronized List<Runnable> takeAll() {
        taken = true;
        List<Runnable> all = new ArrayList<>();
        Node n = sentinel.next;
        while (n != sentinel) {
            Node next = n.next;
            all.add(n.callback);
            n.callback = null;
            n.state = Node.TAKEN;
            n.prev = n.next = null;
            n = next;
        }
        sentinel.prev = sentinel.next = sentinel;
        return all;
    }

    /** @return the callbacks registered and neither cancelled nor taken out (O(n); tests) */
    synchronized int pending() {
        int n = 0;
        for (Node x = sentinel.next; x != sentinel; x = x.next) {
            n++;
        }
        return n;
    }

    /** One registration; its {@link #cancel()} unlinks it. */
    static final class Node implements Cancellable {
        static final int PENDING = 0, TAKEN = 1, CANCELLED = 2;

        /**
         * Registered after takeAll(): its caller runs the callback. (Not the same as done: a pending node that
         * takeAll() takes right after its registration is done, and the terminating thread runs it.)
         */
        final boolean late;
        private final TerminationCallbacks owner;
        private Runnable callback; // guarded by owner; null once cancelled or taken out
        private int state; // guarded by owner
        private Node prev, next; // guarded by owner; null once unlinked

        Node(TerminationCallbacks owner, Runnable callback, boolean late) {
            this.owner = owner;
            this.callback = callback;
            this.late = late;
            this.state = late ? TAKEN : PENDING;
        }

        @Override
        public boolean cancel() {
            synchronized (owner) {
                if (state != PENDING) {
                    return false;
                }
                state = CANCELLED;
                callback = null;
                prev.next = next;
                next.prev = prev;
                prev = next = null;
                return true;
            }
        }

        @Override
        public boolean isDone() {
            synchronized (owner) {
                return state != PENDING;
            }
        }
    }
}
