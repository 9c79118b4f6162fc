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
 * <p><b>Entries.</b> A timer is an {@link Entry}, which records where it is in the wheel, so cancelling is O(1); arming
 * allocates nothing once the slot arrays have grown to the load (they never shrink).
 */
public final class TimerWheel {

    /*
     * Implementation notes.
     *
     * Slots are dense arrays of entries (an entry records its position; removal swaps the last entry into the hole):
     * expiring a slot walks an array, whose loads the CPU overlaps, rather than a linked list whose every node is a
     * dependent cache miss once a million timers outgrow the caches.
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
     * A level-0 slot moves its entries into the heap (keys copied in one pass, the heap rebuilt bottom-up in O(k) when it
     * was empty, as it is whenever poll expires a slot) and the cursor steps past it; a higher slot moves the cursor to its
     * start and re-places (cascades) its entries, which land on lower levels. An entry cascades at most LEVELS times,
     * so expiry is O(1) amortised per timer; empty stretches of time are skipped with one bitmap scan per level.
     *
     * Ordering inside a tick costs O(log k) in the heap, k being the number of timers due in that tick. The heap keeps
     * each record's (deadline, sequence) inline in primitive arrays, so sifting never dereferences an entry (1M timers
     * are far bigger than any cache). Arm and cancel are O(1): cancelling an entry already in the heap only marks it
     * (its slot becomes NOWHERE) and its record, recognised as stale because the entry is no longer DUE with that
     * sequence, is dropped when it surfaces or when stale records outnumber live ones (an O(k) compaction, amortised
     * O(1) per cancel).
     */

    private static final int SLOT_BITS = 6;
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final int SLOT_MASK = SLOTS - 1;

    private final int tickShift;
    private final int levels;
    private final Entry[][] slots;  // per slot: its entries, densely packed (an entry knows its position)
    private final int[] slotSizes;
    private final long[] occupied;
    private long cursor;
    private long nextSequence;
    private int size;

    // the due heap: records (deadline, sequence, entry) in parallel arrays, so that ordering never touches an entry
    private long[] dueDeadline = new long[16];
    private long[] dueSequence = new long[16];
    private Entry[] dueEntry = new Entry[16];
    private int dueSize;
    private int dueStale; // records of entries cancelled while due, dropped when they surface or on compaction

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
        this.slots = new Entry[levels * SLOTS][];
        this.slotSizes = new int[levels * SLOTS];
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
     * Unlinks {@code entry} if it is armed. O(1) (amortised for a timer already expired but not yet polled, whose record
     * in the ordered set is dropped lazily).
     *
     * @return whether the entry was armed
     */
    public boolean cancel(Entry entry) {
        int slot = entry.slot;
        if (slot == Entry.NOWHERE) {
            return false;
        }
        if (slot == Entry.DUE) {
            entry.slot = Entry.NOWHERE; // its heap record goes stale: skipped when it surfaces
            if (++dueStale > 64 && dueStale > dueSize >>> 1) {
                compactDue();
            }
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
            if (dropStaleTop()) {
                if (dueDeadline[0] > now) {
                    return null;
                }
                Entry top = dueEntry[0];
                removeDueTop();
                top.slot = Entry.NOWHERE;
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
        if (dropStaleTop()) {
            return dueDeadline[0];
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
        while (!dropStaleTop()) {
            expireNext(Long.MAX_VALUE);
        }
        return dueDeadline[0];
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
        Entry[] entries = slots[slot];
        int n = slotSizes[slot];
        if (entries == null || n == entries.length) {
            entries = slots[slot] = entries == null ? new Entry[8] : Arrays.copyOf(entries, n << 1);
        }
        entries[n] = e;
        slotSizes[slot] = n + 1;
        e.slot = slot;
        e.position = n;
        occupied[level] |= 1L << digit;
    }

    private void unlink(Entry e, int slot) {
        Entry[] entries = slots[slot];
        int last = --slotSizes[slot];
        int at = e.position;
        if (at != last) { // swap-remove: the last entry takes the hole
            Entry moved = entries[last];
            entries[at] = moved;
            moved.position = at;
        }
        entries[last] = null;
        if (last == 0) {
            occupied[slot >>> SLOT_BITS] &= ~(1L << (slot & SLOT_MASK));
        }
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
        Entry[] entries = slots[slot];
        int n = slotSizes[slot];
        slotSizes[slot] = 0;
        occupied[bestLevel] &= ~(1L << digit);
        if (bestLevel == 0) {
            cursor = best + 1;
            expireIntoDue(entries, n);
        } else {
            cursor = best;
            for (int i = 0; i < n; i++) { // a plain array walk: independent loads, unlike a linked list
                Entry e = entries[i];
                entries[i] = null;
                place(e); // a lower level (never this slot), or the heap
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------- due heap

    /** Drops stale records from the top. @return whether a live record is on top */
    private boolean dropStaleTop() {
        if (dueStale == 0) { // no entry was cancelled while due: every record is live, no need to touch the entry
            return dueSize > 0;
        }
        while (dueSize > 0) {
            Entry e = dueEntry[0];
            if (e.slot == Entry.DUE && e.sequence == dueSequence[0]) {
                return true;
            }
            removeDueTop();
            dueStale--;
        }
        return false;
    }

    /**
     * Moves an expired level-0 slot into the heap: the keys are copied in one pass (independent loads), then the heap
     * is rebuilt bottom-up in O(k) when it was empty, which is the common case (poll expires only into an empty heap).
     */
    private void expireIntoDue(Entry[] entries, int n) {
        int base = dueSize;
        int need = base + n;
        if (need > dueEntry.length) {
            int cap = Math.max(need, dueEntry.length << 1);
            dueDeadline = Arrays.copyOf(dueDeadline, cap);
            dueSequence = Arrays.copyOf(dueSequence, cap);
            dueEntry = Arrays.copyOf(dueEntry, cap);
        }
        for (int i = 0; i < n; i++) {
            Entry e = entries[i];
            entries[i] = null;
            e.slot = Entry.DUE;
            dueDeadline[base + i] = e.deadline;
            dueSequence[base + i] = e.sequence;
            dueEntry[base + i] = e;
        }
        dueSize = need;
        if (base == 0) {
            for (int i = (need >>> 1) - 1; i >= 0; i--) {
                siftDown(i, dueDeadline[i], dueSequence[i], dueEntry[i]);
            }
        } else {
            for (int i = base; i < need; i++) {
                siftUp(i, dueDeadline[i], dueSequence[i], dueEntry[i]);
            }
        }
    }

    private void pushDue(Entry e) {
        if (dueSize == dueEntry.length) {
            int n = dueSize << 1;
            dueDeadline = Arrays.copyOf(dueDeadline, n);
            dueSequence = Arrays.copyOf(dueSequence, n);
            dueEntry = Arrays.copyOf(dueEntry, n);
        }
        e.slot = Entry.DUE;
        siftUp(dueSize++, e.deadline, e.sequence, e);
    }

    private void removeDueTop() {
        int last = --dueSize;
        long d = dueDeadline[last];
        long q = dueSequence[last];
        Entry e = dueEntry[last];
        dueEntry[last] = null;
        if (last > 0) {
            siftDown(0, d, q, e);
        }
    }

    /** Rebuilds the heap without its stale records: O(k). */
    private void compactDue() {
        int n = 0;
        for (int i = 0; i < dueSize; i++) {
            Entry e = dueEntry[i];
            if (e.slot == Entry.DUE && e.sequence == dueSequence[i]) {
                dueDeadline[n] = dueDeadline[i];
                dueSequence[n] = dueSequence[i];
                dueEntry[n++] = e;
            }
        }
        Arrays.fill(dueEntry, n, dueSize, null);
        dueSize = n;
        dueStale = 0;
        for (int i = (n >>> 1) - 1; i >= 0; i--) {
            siftDown(i, dueDeadline[i], dueSequence[i], dueEntry[i]);
        }
    }

    private void siftUp(int index, long deadline, long sequence, Entry e) {
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            long pd = dueDeadline[parent];
            if (deadline > pd || (deadline == pd && sequence > dueSequence[parent])) {
                break;
            }
            dueDeadline[index] = pd;
            dueSequence[index] = dueSequence[parent];
            dueEntry[index] = dueEntry[parent];
            index = parent;
        }
        dueDeadline[index] = deadline;
        dueSequence[index] = sequence;
        dueEntry[index] = e;
    }

    private void siftDown(int index, long deadline, long sequence, Entry e) {
        int half = dueSize >>> 1;
        while (index < half) {
            int child = (index << 1) + 1;
            int right = child + 1;
            if (right < dueSize && (dueDeadline[right] < dueDeadline[child]
                    || (dueDeadline[right] == dueDeadline[child] && dueSequence[right] < dueSequence[child]))) {
                child = right;
            }
            long cd = dueDeadline[child];
            if (cd > deadline || (cd == deadline && dueSequence[child] > sequence)) {
                break;
            }
            dueDeadline[index] = cd;
            dueSequence[index] = dueSequence[child];
            dueEntry[index] = dueEntry[child];
            index = child;
        }
        dueDeadline[index] = deadline;
        dueSequence[index] = sequence;
        dueEntry[index] = e;
    }

    /**
     * A timer the wheel can hold. Subclass it to carry the timer's work; an entry records its place in the wheel, so it
     * is in at most one wheel at a time.
     */
    public abstract static class Entry {
        static final int NOWHERE = -1;
        static final int DUE = -2; // in the due heap

        long deadline;
        long sequence;
        int slot = NOWHERE; // >= 0: wheel slot; NOWHERE; DUE
        int position;       // index in its slot's array while in the wheel

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
