package io.github.enzoblain.async.core.time;

import java.util.Arrays;

/**
 * A hierarchical timing wheel: O(1) {@link #arm arm} and {@link #cancel cancel}, and timers that leave in exact
 * {@code (deadline, sequence)} order, also when several deadlines fall inside one tick.
 *
 * <p><b>Concurrency.</b> Not thread-safe: a wheel belongs to one owner (a loop's driver) and is touched only by it.
 *
 * <p><b>Time.</b> Deadlines are non-negative nanoseconds on the owner's own time line (a loop uses nanoseconds since it
 * was created). Any deadline up to {@link Long#MAX_VALUE} works; a timer is never returned by {@link #poll(long)} before
 * its deadline, and a far deadline never delays a near one.
 *
 * <p><b>Entries.</b> A timer is an {@link Entry}: the wheel links entries intrusively, so arming allocates nothing.
 */
public final class TimerWheel {

    /*
     * Implementation notes.
     *
     * Time is cut into ticks of 2^tickShift ns. The wheel has LEVELS levels of 64 slots; a slot at level L spans 64^L
     * ticks. `cursor` is the first tick not yet expired. An entry whose tick t >= cursor lives at the level of the
     * highest 6-bit digit in which t and cursor differ, in the slot given by t's digit at that level (Linux-style
     * placement relative to the cursor). Hence every wheel entry agrees with the cursor above its level, and its slot
     * starts at or after the cursor. An entry whose tick is below the cursor lives in `due`, a binary min-heap ordered
     * by (deadline, sequence). Every heap entry is therefore earlier than every wheel entry. The cursor is compared
     * unsigned: with 1 ns ticks, expiring the last tick (2^63 - 1) moves it to 2^63, after which every timer is due.
     *
     * Expiring: among the levels, find the occupied slot with the smallest start tick (ties go to the higher level).
     * A level-0 slot moves its entries into the heap and the cursor steps past it; a higher slot moves the cursor to its
     * start and re-places (cascades) its entries, which land on lower levels. An entry cascades at most LEVELS times,
     * so expiry is O(1) amortised per timer; empty stretches of time are skipped with one bitmap scan per level.
     *
     * Ordering inside a tick costs O(log k) in the heap, k being the number of timers due in that tick; arm and cancel
     * of wheel entries are O(1) (unlinking a heap entry is O(log k)).
     */

    private static final int SLOT_BITS = 6;
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final int SLOT_MASK = SLOTS - 1;

    private final int tickShift;
    private final int levels;
    private final Entry[] slots;
    private final long[] occupied;
    private long cursor;
    private long nextSequence;
    private int size;

    private Entry[] due = new Entry[16];
    private int dueSize;

    /**
     * @param tickShift a tick is {@code 2^tickShift} nanoseconds, from 0 (1 ns) to 30 (about 1 s); 20 (about 1 ms)
     *                  suits most loops
     */
    public TimerWheel(int tickShift) {
        if (tickShift < 0 || tickShift > 30) {
            throw new IllegalArgumentException("tickShift must be in [0, 30], was " + tickShift);
        }
        this.tickShift = tickShift;
        int tickBits = 63 - tickShift; // ticks are below 2^tickBits
        this.levels = (tickBits + SLOT_BITS - 1) / SLOT_BITS;
        this.slots = new Entry[levels * SLOTS];
        this.occupied = new long[levels];
    }

    /** @return the tick length in nanoseconds */
    public long tickNanos() {
        return 1L << tickShift;
    }

    /** @return the number of armed timers */
    public int size() {
        return size;
    }

    /** @return whether no timer is armed */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Arms {@code entry} to fall due at {@code deadline}; it gets the next sequence number, which orders it after every
     * timer armed before it with the same deadline. O(1).
     *
     * @throws IllegalArgumentException if {@code deadline} is negative
     * @throws IllegalStateException    if the entry is already armed
     */
    public void arm(Entry entry, long deadline) {
        if (deadline < 0) {
            throw new IllegalArgumentException("deadline must be >= 0, was " + deadline);
        }
        if (entry.slot != Entry.NOWHERE) {
            throw new IllegalStateException("timer is already armed");
        }
        entry.deadline = deadline;
        entry.sequence = nextSequence++;
        place(entry);
        size++;
    }

    /**
     * Unlinks {@code entry} if it is armed. O(1) for a timer in the wheel, O(log k) for one among the k already
     * expired but not yet polled.
     *
     * @return whether the entry was armed
     */
    public boolean cancel(Entry entry) {
        int slot = entry.slot;
        if (slot == Entry.NOWHERE) {
            return false;
        }
        if (slot <= Entry.DUE) {
            removeDue(Entry.DUE - slot);
        } else {
            unlink(entry, slot);
        }
        size--;
        return true;
    }

    /**
     * Removes and returns the earliest timer whose deadline is at or before {@code now}, in (deadline, sequence) order.
     *
     * @return the timer, or {@code null} if none is due
     */
    public Entry poll(long now) {
        if (size == 0) {
            return null;
        }
        long nowTick = now < 0 ? -1 : now >>> tickShift;
        while (true) {
            if (dueSize > 0) {
                Entry top = due[0];
                if (top.deadline > now) {
                    return null;
                }
                removeDue(0);
                size--;
                return top;
            }
            if (!expireNext(nowTick)) {
                return null;
            }
        }
    }

    /**
     * A lower bound of the earliest deadline, without moving anything: exact when the earliest timer has already been
     * expired into the ordered set, otherwise the start of the slot it is in. Waking at this time and calling
     * {@link #poll} again always makes progress.
     *
     * @return the bound, or {@link Long#MAX_VALUE} if no timer is armed
     */
    public long nextDeadlineBound() {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        if (dueSize > 0) {
            return due[0].deadline;
        }
        long best = Long.MAX_VALUE;
        for (int level = 0; level < levels; level++) {
            long start = nextSlotStart(level);
            if (start >= 0 && start < best) {
                best = start;
            }
        }
        return best == Long.MAX_VALUE ? best : best << tickShift;
    }

    /**
     * The exact earliest deadline. May expire slots ahead of time (it never fires anything early).
     *
     * @return the deadline, or {@link Long#MAX_VALUE} if no timer is armed
     */
    public long nextDeadline() {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        while (dueSize == 0) {
            expireNext(Long.MAX_VALUE);
        }
        return due[0].deadline;
    }

    // ---------------------------------------------------------------------------------------------------- wheel

    private void place(Entry e) {
        long tick = e.deadline >>> tickShift;
        if (Long.compareUnsigned(tick, cursor) < 0) { // unsigned: once the last tick expired, the cursor is 2^63
            pushDue(e);
            return;
        }
        long diff = tick ^ cursor;
        int level = diff == 0 ? 0 : (63 - Long.numberOfLeadingZeros(diff)) / SLOT_BITS;
        int digit = (int) (tick >>> (level * SLOT_BITS)) & SLOT_MASK;
        int slot = level * SLOTS + digit;
        Entry head = slots[slot];
        e.prev = null;
        e.next = head;
        if (head != null) {
            head.prev = e;
        }
        slots[slot] = e;
        e.slot = slot;
        occupied[level] |= 1L << digit;
    }

    private void unlink(Entry e, int slot) {
        Entry prev = e.prev;
        Entry next = e.next;
        if (prev == null) {
            slots[slot] = next;
            if (next == null) {
                occupied[slot >>> SLOT_BITS] &= ~(1L << (slot & SLOT_MASK));
            }
        } else {
            prev.next = next;
        }
        if (next != null) {
            next.prev = prev;
        }
        e.prev = null;
        e.next = null;
        e.slot = Entry.NOWHERE;
    }

    /** Start tick of the first occupied slot of {@code level} that starts at or after the cursor, or -1. */
    private long nextSlotStart(int level) {
        long bits = occupied[level];
        if (bits == 0) {
            return -1;
        }
        int shift = level * SLOT_BITS;
        int digit = (int) (cursor >>> shift) & SLOT_MASK;
        boolean aligned = level == 0 || (cursor & ((1L << shift) - 1)) == 0;
        int from = aligned ? digit : digit + 1;
        if (from >= SLOTS) {
            return -1;
        }
        long mask = bits & (-1L << from);
        if (mask == 0) {
            return -1;
        }
        int upperShift = shift + SLOT_BITS;
        long base = upperShift >= 64 ? 0 : cursor & (-1L << upperShift);
        return base | ((long) Long.numberOfTrailingZeros(mask) << shift);
    }

    /** Expires the earliest occupied slot if it starts at or before {@code limitTick}; returns whether it did. */
    private boolean expireNext(long limitTick) {
        long best = -1;
        int bestLevel = -1;
        for (int level = levels - 1; level >= 0; level--) { // high to low: on a tie the higher level cascades first
            long start = nextSlotStart(level);
            if (start >= 0 && (best < 0 || start < best)) {
                best = start;
                bestLevel = level;
            }
        }
        if (best < 0 || best > limitTick) {
            return false;
        }
        int digit = (int) (best >>> (bestLevel * SLOT_BITS)) & SLOT_MASK;
        int slot = bestLevel * SLOTS + digit;
        Entry e = slots[slot];
        slots[slot] = null;
        occupied[bestLevel] &= ~(1L << digit);
        cursor = bestLevel == 0 ? best + 1 : best;
        while (e != null) {
            Entry next = e.next;
            e.prev = null;
            e.next = null;
            e.slot = Entry.NOWHERE;
            place(e); // level 0: tick < cursor, so into the heap; higher: a lower level
            e = next;
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- due heap

    private static boolean before(Entry a, Entry b) {
        return a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence);
    }

    private void pushDue(Entry e) {
        if (dueSize == due.length) {
            due = Arrays.copyOf(due, dueSize << 1);
        }
        e.slot = Entry.DUE;
        siftUp(dueSize++, e);
    }

    private void removeDue(int index) {
        Entry removed = due[index];
        int last = --dueSize;
        Entry moved = due[last];
        due[last] = null;
        if (index != last) {
            siftDown(index, moved);
            if (due[index] == moved) {
                siftUp(index, moved);
            }
        }
        removed.slot = Entry.NOWHERE;
    }

    private void siftUp(int index, Entry e) {
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            Entry p = due[parent];
            if (!before(e, p)) {
                break;
            }
            due[index] = p;
            p.slot = Entry.DUE - index;
            index = parent;
        }
        due[index] = e;
        e.slot = Entry.DUE - index;
    }

    private void siftDown(int index, Entry e) {
        int half = dueSize >>> 1;
        while (index < half) {
            int child = (index << 1) + 1;
            Entry c = due[child];
            int right = child + 1;
            if (right < dueSize && before(due[right], c)) {
                child = right;
                c = due[child];
            }
            if (!before(c, e)) {
                break;
            }
            due[index] = c;
            c.slot = Entry.DUE - index;
            index = child;
        }
        due[index] = e;
        e.slot = Entry.DUE - index;
    }

    /**
     * A timer the wheel can hold. Subclass it to carry the timer's work; the wheel links entries intrusively, so an
     * entry is in at most one wheel at a time.
     */
    public abstract static class Entry {
        static final int NOWHERE = -1;
        static final int DUE = -2; // slot <= DUE: in the due heap at index DUE - slot

        Entry prev;
        Entry next;
        long deadline;
        long sequence;
        int slot = NOWHERE; // >= 0: wheel slot; NOWHERE; <= DUE: due-heap index DUE - slot

        protected Entry() {
        }

        /**
         * Sets the deadline before the entry is armed, for an owner that records it early; {@link #arm} sets it again.
         *
         * @throws IllegalStateException if the entry is armed
         */
        protected final void presetDeadline(long deadline) {
            if (slot != NOWHERE) {
                throw new IllegalStateException("timer is armed");
            }
            this.deadline = deadline;
        }

        /** @return the deadline this entry was last armed with */
        public final long timerDeadline() {
            return deadline;
        }

        /** @return the sequence number this entry was last armed with (its rank among equal deadlines) */
        public final long timerSequence() {
            return sequence;
        }

        /** @return whether the entry is armed in a wheel */
        public final boolean isArmed() {
            return slot != NOWHERE;
        }
    }
}
