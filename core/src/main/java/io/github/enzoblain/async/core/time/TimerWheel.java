package io.github.enzoblain.async.core.time;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A hierarchical timing wheel: O(1) {@link #arm arm}, {@link #rearm rearm} and {@link #cancel cancel}, and timers that
 * leave in exact {@code (deadline, sequence)} order, also when several deadlines fall inside one tick. A timer takes the
 * next sequence when armed, and keeps the one it had when rearmed after {@link #poll} handed it out (a periodic timer).
 *
 * <p><b>Concurrency.</b> Not thread-safe: a wheel belongs to one owner (a loop's driver) and is touched only by it;
 * the one exception is {@link #observedSize()}, which any thread may call.
 *
 * <p><b>Time.</b> Deadlines are non-negative nanoseconds on the owner's own time line (a loop uses nanoseconds since it
 * was created). Any deadline up to {@link Long#MAX_VALUE} works; a timer is never returned by {@link #poll(long)} before
 * its deadline, and a far deadline never delays a near one.
 *
 * <p><b>Entries.</b> A timer is an {@link Entry}, which records where it is in the wheel, so cancelling is O(1). Under a
 * steady load, arming and firing allocate nothing: the wheel's arrays are reused (and pooled between its slots); what
 * they hold together stays within a small multiple of the most timers ever armed at once.
 */
public final class TimerWheel {

    /*
     * Implementation notes.
     *
     * Time is cut into ticks of 2^tickShift ns. The wheel has `levels` levels of 256 slots; a slot at level L spans
     * 256^L ticks. `cursor` is the first tick not yet expired. An entry whose tick t >= cursor lives at the level of the
     * highest 8-bit digit in which t and cursor differ, in the slot given by t's digit at that level: it agrees with the
     * cursor above its level and is later at its level. So every level-L entry is earlier than every level-(L+1) entry,
     * and the earliest occupied slot is the first one of the lowest occupied level: a bit scan of `nonEmpty`, then of
     * the level's four occupancy words. (8-bit digits rather than 6: a timer cascades at most levels - 1 times, and at
     * fine ticks a million timers spread over a second cascade twice instead of three times, a third less work; at
     * 1 ms ticks it made no measurable difference.) When the cursor crosses into a new block of 256^L ticks, the slots
     * it now points at are moved down at once (`enteredBlock`), which keeps that rule true. The cursor is compared
     * unsigned: with 1 ns ticks, expiring the last tick (2^63 - 1) moves it to 2^63, after which every timer is due.
     *
     * Slots are dense arrays of entries in arming (sequence) order. Removal leaves a hole (null) rather than moving the
     * last entry into it; every entry records its slot and position, so cancelling is O(1). A slot knows its first
     * and last entry, so removals at either end (timeouts cancelled in the order they were armed) shrink it without
     * any moves; a slot mostly made of holes elsewhere is compacted (O(k), amortised O(1) per cancel), and so is a
     * full slot at least half holes, instead of growing. Order holds because a slot is filled by appends (arming,
     * which takes sequences in order) or by one cascade into an empty slot (a tick belongs to one slot at a time, and
     * a cascade runs as soon as the cursor reaches a block, before anything else can be placed in it), which keeps
     * the order of its source slot. The one exception is `rearm`, which appends a polled entry with the sequence it
     * already had (a periodic task keeps its rank): it marks the slot `outOfOrder`, a cascade of a marked slot marks
     * the slots it fills, and expiring a marked tick orders each group of equal deadlines by sequence after the sort
     * (`orderEqualDeadlinesBySequence`). A wheel that is never rearmed never takes that pass.
     *
     * Expiring a level-0 slot (one tick) copies its entries' records (sequence, entry) into `run`, in slot order,
     * which is sequence order, and gives each a key: the deadline's offset inside the tick in the high 32 bits, the
     * record's index below. Keys are distinct and order records exactly by (deadline, sequence), so sorting the keys
     * is all it takes: insertion sort when few, otherwise an LSD radix sort on the offset bits (digits of up to 8
     * bits, or 11 for a run of 512 or more; passes in which every key has the same digit skipped), O(k). Only the
     * keys move, never the entries (no reference stores, so no GC barrier work). Polling walks the keys. A timer armed
     * for a tick already expired goes to a binary min-heap (`late`) instead, and poll takes the smaller of the run's
     * head and the heap's top. Both keep their keys inline in primitive arrays, so ordering never dereferences an
     * entry. Expiry only happens when both are empty (poll and nextDeadline consume due timers first).
     *
     * Cascading re-places a slot's entries in chunks: all deadlines of a chunk are loaded first (independent loads the
     * CPU overlaps), then the chunk is placed. An entry cascades at most `levels` times, so expiry is O(1) amortised.
     * Both walks over a slot (cascading, expiring) also check each entry's recorded position (`touchAt`): an entry
     * may straddle two cache lines, and the position, the wheel's last field, is on the second one, which holds the
     * subclass's fields the owner reads when the timer fires. Loaded in the walk, where misses overlap, that line is at
     * hand later; left to the fire path, where each timer is handled after the previous one (a CAS in `Loop`), it was
     * one full miss per straddling timer (a quarter of 48-byte timers): a third of a `Loop` timer's fire cost.
     * An entry with fields further out (a `Loop`'s 88-byte task) reads them in `Entry.warm()`, which the expiring walk
     * calls on each entry: the same overlap for the lines the wheel knows nothing about.
     *
     * Cancelling a due entry only marks it (its slot becomes NOWHERE); its record, recognised as stale because the
     * entry is no longer DUE with that sequence, is skipped when it surfaces or dropped when stale records outnumber
     * live ones (an O(k) compaction, amortised O(1) per cancel).
     *
     * Slot arrays grow by doubling. A small array stays with its slot; a larger one, once its slot is emptied or has
     * outgrown it, goes to a pool (by power-of-two size) from which any slot takes it, so a steady load allocates
     * nothing (a large array would be a costly humongous allocation for G1 every time). All slot arrays together, in
     * slots or pooled, hold at most SLOT_BUDGET times the most timers ever armed at once (plus a floor): over that, a
     * released array is let go, so a burst passing through many slots does not pin memory in each.
     */

    private static final VarHandle SIZE;

    static {
        try {
            SIZE = MethodHandles.lookup().findVarHandle(TimerWheel.class, "size", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int SLOT_BITS = 8;
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final int SLOT_MASK = SLOTS - 1;
    private static final int WORDS = Math.max(1, SLOTS >>> 6); // occupancy words per level
    private static final int POOL_FLOOR = 4096; // slot capacity always kept, whatever the peak
    private static final int CASCADE_CHUNK = 256;
    private static final int MIN_SLOT_CAPACITY = 8;
    private static final int KEEP_IN_SLOT = 64;
    private static final int SMALL_SORT = 32;
    private static final int SLOT_BUDGET = 6;
    private static final int RADIX_BITS_SMALL = 8;  // digit width for a run of fewer than RADIX_WIDE_FROM records
    private static final int RADIX_BITS_WIDE = 11;  // and from there on: fewer passes, counts still in L1 (8 KB)
    private static final int RADIX_WIDE_FROM = 512;

    private final int tickShift;
    private final int levels;
    private final Entry[][] slots; // per slot: its entries in sequence order, null where one was removed
    private final int[] slotStart; // per slot: its first entry (everything before is a hole)
    private final int[] slotEnd;   // per slot: where the next entry goes
    private final int[] slotLive;  // per slot: how many entries it holds
    private final long[] occupied; // per level, WORDS words: which slots hold entries
    private final boolean[] outOfOrder; // per slot: may hold a rearmed entry out of sequence order
    private long nonEmpty;         // which levels hold entries
    private long cursor;
    private long nextSequence;
    private int size;
    private int peakSize;
    private long slotCapacity; // entries all slot arrays can hold, in slots or pooled
    private final Entry[][][] pool = new Entry[32][][]; // by log2(length): empty arrays any slot may take
    private final int[] pooled = new int[32];
    private final long[] cascadeKeys = new long[CASCADE_CHUNK];

    // the expired tick: its records (sequence, entry) by index, in sequence order, never moved; runOrder[runHead,
    // runEnd) holds their keys (offset of the deadline in the tick << 32 | index), sorted: the order they leave in
    private long runBase; // the tick's first nanosecond
    private long[] runOrder = new long[16];
    private long[] runSequence = new long[16];
    private Entry[] runEntry = new Entry[16];
    private int runHead;
    private int runEnd;
    private long[] sortScratch = new long[16]; // radix sort scratch, same capacity as the run
    private final int[] radixCounts = new int[1 << RADIX_BITS_WIDE];

    // timers armed for a tick already expired: a min-heap of records (deadline, sequence, entry)
    private long[] lateDeadline = new long[16];
    private long[] lateSequence = new long[16];
    private Entry[] lateEntry = new Entry[16];
    private int lateSize;

    private int dueStale; // records in run or heap of entries cancelled while due
    private int warmed; // what the entries' warm() returned: kept so that the compiler keeps their reads

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
        this.slotStart = new int[levels * SLOTS];
        this.slotEnd = new int[levels * SLOTS];
        this.slotLive = new int[levels * SLOTS];
        this.occupied = new long[levels * WORDS];
        this.outOfOrder = new boolean[levels * SLOTS];
    }

    /** @return the tick length in nanoseconds */
    public long tickNanos() {
        return 1L << tickShift;
    }

    /** @return the number of armed timers */
    public int size() {
        return size;
    }

    /**
     * @return the number of armed timers, read from any thread: a recent value, and exact after anything that
     *         happens-after the owner's last change (the owner's plain int stores are atomic; this is an opaque load)
     */
    public int observedSize() {
        return (int) SIZE.getOpaque(this);
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
        checkDeadline(deadline);
        if (entry.isArmed()) {
            throw new IllegalStateException("timer is already armed");
        }
        entry.sequence = nextSequence++;
        insert(entry, deadline, false);
    }

    /**
     * Arms again a timer that {@link #poll} handed out, keeping the sequence number it had: among timers with the same
     * deadline it keeps the rank of its first arming, as a periodic task should (the JDK's
     * {@code ScheduledThreadPoolExecutor} and Netty's event loops keep a periodic task's sequence the same way), rather
     * than ranking after every timer armed before this call. O(1); the tick it lands in then costs one more pass over
     * its timers when it expires, to order equal deadlines by sequence.
     *
     * @throws IllegalArgumentException if {@code deadline} is negative
     * @throws IllegalStateException    if the entry is armed, or was cancelled or never polled since it was last armed
     *                                  (only a timer polled last can keep its sequence: a cancelled one may still have
     *                                  a stale record here under that sequence)
     */
    public void rearm(Entry entry, long deadline) {
        checkDeadline(deadline);
        if (entry.slot != Entry.POLLED) {
            throw new IllegalStateException(entry.isArmed() ? "timer is already armed"
                    : "only a timer handed out by poll, and not armed or cancelled since, keeps its sequence");
        }
        insert(entry, deadline, true); // its old sequence may be below those already in its slot
    }

    private static void checkDeadline(long deadline) {
        if (deadline < 0) {
            throw new IllegalArgumentException("deadline must be >= 0, was " + deadline);
        }
    }

    /** Places an entry whose sequence is set, and counts it. */
    private void insert(Entry entry, long deadline, boolean unordered) {
        entry.deadline = deadline;
        place(entry, deadline, unordered);
        if (++size > peakSize) {
            peakSize = size;
        }
    }

    /**
     * Unlinks {@code entry} if it is armed. O(1) (amortised for a timer already expired but not yet polled, whose record
     * in the ordered set is dropped lazily).
     *
     * @return whether the entry was armed
     */
    public boolean cancel(Entry entry) {
        int slot = entry.slot;
        if (slot == Entry.NOWHERE || slot == Entry.POLLED) {
            return false;
        }
        if (slot == Entry.DUE) {
            entry.slot = Entry.NOWHERE; // its record goes stale: skipped when it surfaces
            if (++dueStale > 64 && dueStale > ((runEnd - runHead) + lateSize) >>> 1) {
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
            int from = earliestDue();
            if (from == RUN) {
                long key = runOrder[runHead];
                if (runDeadline(key) > now) {
                    return null;
                }
                Entry top = runEntry[(int) key];
                removeRunHead();
                return took(top);
            }
            if (from == LATE) {
                if (lateDeadline[0] > now) {
                    return null;
                }
                Entry top = lateEntry[0];
                removeLateTop();
                return took(top);
            }
            if (!expireNext(nowTick)) {
                return null;
            }
        }
    }

    private Entry took(Entry e) {
        e.slot = Entry.POLLED;
        size--;
        return e;
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
        int from = earliestDue();
        if (from != NONE) {
            return dueDeadline(from);
        }
        return earliestSlotStart(Long.numberOfTrailingZeros(nonEmpty)) << tickShift;
    }

    /**
     * The exact earliest deadline. May expire slots ahead of time (it never fires anything early).
     *
     * @return the deadline, or {@link Long#MAX_VALUE} if no timer is armed (a timer armed for {@code Long.MAX_VALUE}
     *         reads the same: tell them apart with {@link #isEmpty()})
     */
    public long nextDeadline() {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        int from;
        while ((from = earliestDue()) == NONE) {
            expireNext(Long.MAX_VALUE);
        }
        return dueDeadline(from);
    }

    // ---------------------------------------------------------------------------------------------------- wheel

    /** @param unordered whether {@code e}'s sequence may be below those its slot holds (a rearm, or a cascade of one) */
    private void place(Entry e, long deadline, boolean unordered) {
        long tick = deadline >>> tickShift;
        if (Long.compareUnsigned(tick, cursor) < 0) { // unsigned: once the last tick expired, the cursor is 2^63
            pushLate(e);
            return;
        }
        long diff = tick ^ cursor;
        int level = diff == 0 ? 0 : (63 - Long.numberOfLeadingZeros(diff)) / SLOT_BITS;
        int digit = (int) (tick >>> (level * SLOT_BITS)) & SLOT_MASK;
        int slot = level * SLOTS + digit;
        Entry[] entries = slots[slot];
        int n = slotEnd[slot];
        if (entries == null || n == entries.length) {
            entries = makeRoom(slot, entries, n);
            n = slotEnd[slot];
        }
        entries[n] = e;
        slotEnd[slot] = n + 1;
        slotLive[slot]++;
        e.slot = slot;
        e.position = n;
        if (unordered) {
            outOfOrder[slot] = true;
        }
        occupied[level * WORDS + (digit >>> 6)] |= 1L << digit;
        nonEmpty |= 1L << level;
    }

    /** A full slot (or one without an array): squeezed if at least half of it is holes, otherwise grown. */
    private Entry[] makeRoom(int slot, Entry[] entries, int n) {
        if (entries != null && slotLive[slot] <= n >>> 1) {
            compactSlot(entries, slot);
            return entries;
        }
        int capacity = entries == null ? MIN_SLOT_CAPACITY : n << 1;
        Entry[] grown = unpool(capacity);
        if (entries != null) {
            System.arraycopy(entries, 0, grown, 0, n);
            recycle(entries, n);
        }
        return slots[slot] = grown;
    }

    /** An empty array of {@code capacity} (a power of two) from the pool, or a new one. */
    private Entry[] unpool(int capacity) {
        int sizeClass = Integer.numberOfTrailingZeros(capacity);
        int n = pooled[sizeClass];
        if (n > 0) {
            Entry[][] stack = pool[sizeClass];
            pooled[sizeClass] = --n;
            Entry[] a = stack[n];
            stack[n] = null;
            return a;
        }
        slotCapacity += capacity;
        return new Entry[capacity];
    }

    /** Takes back a slot array whose first {@code used} cells may be set: pooled (cleared) within the budget, or let go. */
    private void recycle(Entry[] array, int used) {
        int length = array.length;
        if (slotCapacity > (long) SLOT_BUDGET * peakSize + POOL_FLOOR) {
            slotCapacity -= length;
            return;
        }
        Arrays.fill(array, 0, used, null);
        int sizeClass = Integer.numberOfTrailingZeros(length);
        Entry[][] stack = pool[sizeClass];
        int n = pooled[sizeClass];
        if (stack == null || n == stack.length) {
            stack = pool[sizeClass] = stack == null ? new Entry[4][] : Arrays.copyOf(stack, n << 1);
        }
        stack[n] = array;
        pooled[sizeClass] = n + 1;
    }

    /** After its slot was emptied: a large array goes back to the pool (it is all nulls by now). */
    private void release(int slot, Entry[] entries) {
        if (entries != null && entries.length > KEEP_IN_SLOT && slots[slot] == entries && slotEnd[slot] == 0) {
            slots[slot] = null;
            recycle(entries, 0);
        }
    }

    private void unlink(Entry e, int slot) {
        Entry[] entries = slots[slot];
        int at = e.position;
        entries[at] = null; // a hole: moving another entry in would break the slot's sequence order
        e.slot = Entry.NOWHERE;
        int live = --slotLive[slot];
        int end = slotEnd[slot];
        int start = slotStart[slot];
        if (live == 0) {
            slotStart[slot] = 0;
            slotEnd[slot] = 0;
            outOfOrder[slot] = false;
            emptied(slot);
            release(slot, entries);
        } else if (at == end - 1) {
            slotEnd[slot] = at;
        } else if (at == start) { // cancelled in arming order, as timeouts mostly are: no compaction needed
            int next = at + 1;
            while (entries[next] == null) { // stops at a live entry: there is one before end
                next++;
            }
            slotStart[slot] = next;
        } else if (end - start > SMALL_SORT && live < (end - start) >>> 2) {
            compactSlot(entries, slot);
        }
    }

    /** Squeezes the holes out of a slot, keeping its order: O(k), after at least as many removals (amortised O(1)). */
    private void compactSlot(Entry[] entries, int slot) {
        int end = slotEnd[slot];
        int n = 0;
        for (int i = slotStart[slot]; i < end; i++) {
            Entry e = entries[i];
            if (e != null) {
                e.position = n;
                entries[n++] = e;
            }
        }
        Arrays.fill(entries, n, end, null); // cells before the old start were holes already
        slotStart[slot] = 0;
        slotEnd[slot] = n;
    }

    /** The slot holds nothing any more (its array is all nulls up to its old end). */
    private void emptied(int slot) {
        int level = slot >>> SLOT_BITS;
        int digit = slot & SLOT_MASK;
        if ((occupied[level * WORDS + (digit >>> 6)] &= ~(1L << digit)) == 0 && levelEmpty(level)) {
            nonEmpty &= ~(1L << level);
        }
    }

    /** Empties a level-0 slot (one tick, starting at nanosecond {@code tickStart}) into the run. */
    private void expireSlot(int slot, long tickStart) {
        Entry[] entries = slots[slot];
        int start = slotStart[slot];
        int end = slotEnd[slot];
        int live = slotLive[slot];
        boolean unordered = outOfOrder[slot];
        take(slot);
        expireIntoRun(entries, start, end, live, tickStart);
        if (unordered) {
            orderEqualDeadlinesBySequence();
        }
        release(slot, entries);
    }

    /** Empties a slot of a higher level by re-placing its entries on lower levels. */
    private void cascadeSlot(int slot) {
        Entry[] entries = slots[slot];
        int start = slotStart[slot];
        int end = slotEnd[slot];
        boolean unordered = outOfOrder[slot];
        take(slot);
        cascade(entries, start, end, unordered); // entries keep their relative order: their new slots are as unordered
        release(slot, entries);
    }

    /** Marks {@code slot} empty; its caller moves the entries out of the array and then releases it. */
    private void take(int slot) {
        slotStart[slot] = 0;
        slotEnd[slot] = 0;
        slotLive[slot] = 0;
        outOfOrder[slot] = false;
        emptied(slot);
    }

    private boolean levelEmpty(int level) {
        for (int w = level * WORDS, end = w + WORDS; w < end; w++) {
            if (occupied[w] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The first occupied slot's digit on {@code level}, which holds entries. */
    private int firstDigit(int level) {
        int w = level * WORDS;
        long bits;
        while ((bits = occupied[w]) == 0) {
            w++;
        }
        return ((w - level * WORDS) << 6) + Long.numberOfTrailingZeros(bits);
    }

    /** Start tick of the first occupied slot of {@code level} (the earliest slot if it is the lowest occupied level). */
    private long earliestSlotStart(int level) {
        int digit = firstDigit(level);
        int shift = level * SLOT_BITS;
        int upperShift = shift + SLOT_BITS;
        long base = upperShift >= 64 ? 0 : cursor & (-1L << upperShift);
        return base | ((long) digit << shift);
    }

    /** Expires the earliest occupied slot if it starts at or before {@code limitTick}; returns whether it did. */
    private boolean expireNext(long limitTick) {
        if (nonEmpty == 0) {
            return false;
        }
        int level = Long.numberOfTrailingZeros(nonEmpty);
        long start = earliestSlotStart(level);
        if (start > limitTick) {
            return false;
        }
        int slot = level * SLOTS + ((int) (start >>> (level * SLOT_BITS)) & SLOT_MASK);
        if (level == 0) {
            cursor = start + 1;
            expireSlot(slot, start << tickShift);
            if ((cursor & SLOT_MASK) == 0) {
                enteredBlock();
            }
        } else {
            cursor = start; // lower levels are empty: nothing lies between the old cursor and this slot
            cascadeSlot(slot);
        }
        return true;
    }

    /**
     * The cursor has just crossed into a new block of 256 ticks (and maybe of 256^2, ...): the slots it now points at, on
     * the levels it is aligned to, hold entries that agree with it on their own digit, so they move down.
     */
    private void enteredBlock() {
        long c = cursor;
        for (int level = 1; level < levels; level++) {
            int digit = (int) (c >>> (level * SLOT_BITS)) & SLOT_MASK;
            if ((occupied[level * WORDS + (digit >>> 6)] & (1L << digit)) != 0) {
                cascadeSlot(level * SLOTS + digit);
            }
            if (digit != 0) { // not aligned to the next level up
                return;
            }
        }
    }

    /**
     * Re-places a slot's entries in order, in chunks: first every deadline of the chunk is loaded (independent loads
     * that the CPU overlaps, where a million entries are far out of cache), then the chunk is placed from those
     * copies, touching entries whose lines are now close at hand. Placing straight from the entries would make every
     * placement wait for the previous entry's cache miss.
     */
    private void cascade(Entry[] entries, int start, int end, boolean unordered) {
        long[] keys = cascadeKeys;
        for (int from = start; from < end; from += CASCADE_CHUNK) {
            int to = Math.min(end, from + CASCADE_CHUNK);
            for (int i = from; i < to; i++) {
                Entry e = entries[i];
                if (e != null) {
                    keys[i - from] = e.deadline;
                    touchAt(e, i);
                }
            }
            for (int i = from; i < to; i++) {
                Entry e = entries[i];
                if (e != null) {
                    entries[i] = null;
                    place(e, keys[i - from], unordered); // a lower level (never this slot)
                }
            }
        }
    }

    /**
     * Checks that {@code e}, found at index {@code i} of its slot, records that index. The check never fails while the
     * wheel is sound; its point is the load: {@code position} is the wheel's last field, which lies on the entry's
     * second cache line whenever the entry straddles two, a line the other fields read on the way may not bring in.
     * Loaded here, while the entries of a slot are walked in a batch and their misses overlap, that line is at hand
     * when the entry is placed or fired; left to the fire path, it costs one full miss per straddling timer there.
     */
    private static void touchAt(Entry e, int i) {
        if (e.position != i) {
            throw new IllegalStateException("timer wheel corrupted: entry at " + i + " records " + e.position);
        }
    }

    // ---------------------------------------------------------------------------------------------------- due

    private static final int NONE = 0, RUN = 1, LATE = 2;

    /** Drops stale records from the run's head and the heap's top. @return which holds the earliest live record */
    private int earliestDue() {
        boolean run = runHead < runEnd;
        boolean late = lateSize > 0;
        if (dueStale > 0) { // some entry was cancelled while due: records may be stale
            while (run && !live((int) runOrder[runHead])) {
                removeRunHead();
                dueStale--;
                run = runHead < runEnd;
            }
            while (late && !live(lateEntry[0], lateSequence[0])) {
                removeLateTop();
                dueStale--;
                late = lateSize > 0;
            }
        }
        if (!late) {
            return run ? RUN : NONE;
        }
        if (!run) {
            return LATE;
        }
        long key = runOrder[runHead];
        long rd = runDeadline(key);
        long ld = lateDeadline[0];
        return rd < ld || (rd == ld && runSequence[(int) key] < lateSequence[0]) ? RUN : LATE;
    }

    /** The deadline of the earliest due record, found by {@link #earliestDue()} ({@code from} is not NONE). */
    private long dueDeadline(int from) {
        return from == RUN ? runDeadline(runOrder[runHead]) : lateDeadline[0];
    }

    /** The deadline a run key stands for: the tick's start plus the key's offset. */
    private long runDeadline(long key) {
        return runBase + (key >>> 32);
    }

    private static boolean live(Entry e, long sequence) {
        return e.slot == Entry.DUE && e.sequence == sequence;
    }

    /** Whether the run's record {@code index} is live. */
    private boolean live(int index) {
        return live(runEntry[index], runSequence[index]);
    }

    private void removeRunHead() {
        runEntry[(int) runOrder[runHead++]] = null;
        if (runHead == runEnd) {
            runHead = runEnd = 0;
        }
    }

    /**
     * Moves an expired level-0 slot (one tick; the run and the heap are empty) into the run: the records are copied in
     * slot order, which is sequence order, each with its key (the deadline's offset in the tick, then its index), and
     * the keys are sorted. Keys are unique, so sorting them gives (deadline, sequence) order by any method; only the
     * keys move, plain longs, never the entries (no reference stores, so no GC barrier work per move).
     */
    private void expireIntoRun(Entry[] entries, int start, int end, int live, long tickStart) {
        if (live > runEntry.length) {
            int cap = Math.max(live, runEntry.length << 1);
            runOrder = new long[cap];
            runSequence = new long[cap];
            runEntry = new Entry[cap];
            sortScratch = new long[cap];
        }
        long[] order = runOrder;
        long[] sequences = runSequence;
        Entry[] records = runEntry;
        int n = 0;
        int w = 0;
        for (int i = start; i < end; i++) {
            Entry e = entries[i];
            if (e != null) {
                entries[i] = null;
                touchAt(e, i);
                w += e.warm();
                e.slot = Entry.DUE;
                order[n] = (e.deadline - tickStart) << 32 | n; // every entry of the slot is in this one tick
                sequences[n] = e.sequence;
                records[n++] = e;
            }
        }
        warmed += w;
        runBase = tickStart;
        runHead = 0;
        runEnd = n;
        sortRun(n);
    }

    /** Sorts runOrder[0, n); the offsets are below 2^tickShift, the indexes distinct. */
    private void sortRun(int n) {
        long[] k = runOrder;
        int i = 1;
        while (i < n && k[i - 1] < k[i]) {
            i++;
        }
        if (i >= n) {
            return; // already in order: one deadline, or armed in deadline order
        }
        if (n <= SMALL_SORT) {
            insertionSort(k, n);
        } else {
            radixSort(n);
        }
    }

    /**
     * For a tick that held a rearmed timer: the sorted run is in (deadline, slot position) order, and a rearmed timer's
     * slot position does not follow its sequence, so each group of equal deadlines is put in sequence order (insertion
     * sort by the records' sequences: O(k) when the groups are in order already or of one timer, as mostly).
     */
    private void orderEqualDeadlinesBySequence() {
        long[] k = runOrder;
        long[] sequences = runSequence;
        for (int i = runHead + 1; i < runEnd; i++) {
            long key = k[i];
            long offset = key >>> 32;
            long sequence = sequences[(int) key];
            int j = i - 1;
            while (j >= runHead && k[j] >>> 32 == offset && sequences[(int) k[j]] > sequence) {
                k[j + 1] = k[j];
                j--;
            }
            k[j + 1] = key;
        }
    }

    private static void insertionSort(long[] k, int n) {
        for (int i = 1; i < n; i++) {
            long key = k[i];
            int j = i - 1;
            while (j >= 0 && k[j] > key) {
                k[j + 1] = k[j];
                j--;
            }
            k[j + 1] = key;
        }
    }

    /**
     * LSD radix sort of the run's keys on their offset bits (bits 32 to 32 + tickShift; the index below keeps equal
     * offsets in sequence order, as the sort is stable). Digits are as wide as the run makes worth it (a pass costs
     * n moves plus 2^bits counts): the fewest passes of at most 8 bits for a small run, of at most 11 bits for a
     * large one, the bits spread evenly over the passes (1 ms ticks: two 10-bit passes instead of three 8-bit ones).
     */
    private void radixSort(int n) {
        int maxBits = n >= RADIX_WIDE_FROM ? RADIX_BITS_WIDE : RADIX_BITS_SMALL;
        int passes = (tickShift + maxBits - 1) / maxBits;
        int bits = (tickShift + passes - 1) / passes;
        int radix = 1 << bits;
        int mask = radix - 1;
        int[] counts = radixCounts;
        for (int shift = 32, top = 32 + tickShift; shift < top; shift += bits) {
            long[] k = runOrder;
            Arrays.fill(counts, 0, radix, 0);
            for (int i = 0; i < n; i++) {
                counts[(int) (k[i] >>> shift) & mask]++;
            }
            if (counts[(int) (k[0] >>> shift) & mask] == n) {
                continue; // every key has this digit: the pass would change nothing
            }
            int sum = 0;
            for (int b = 0; b < radix; b++) {
                int c = counts[b];
                counts[b] = sum;
                sum += c;
            }
            long[] k2 = sortScratch;
            for (int i = 0; i < n; i++) {
                long key = k[i];
                k2[counts[(int) (key >>> shift) & mask]++] = key;
            }
            sortScratch = k; // the sorted copy becomes the order; the old one becomes scratch
            runOrder = k2;
        }
    }

    private void pushLate(Entry e) {
        if (lateSize == lateEntry.length) {
            int n = lateSize << 1;
            lateDeadline = Arrays.copyOf(lateDeadline, n);
            lateSequence = Arrays.copyOf(lateSequence, n);
            lateEntry = Arrays.copyOf(lateEntry, n);
        }
        e.slot = Entry.DUE;
        siftUp(lateSize++, e.deadline, e.sequence, e);
    }

    private void removeLateTop() {
        int last = --lateSize;
        long d = lateDeadline[last];
        long q = lateSequence[last];
        Entry e = lateEntry[last];
        lateEntry[last] = null;
        if (last > 0) {
            siftDown(0, d, q, e);
        }
    }

    /** Drops every stale record from the run and the heap: O(k). */
    private void compactDue() {
        int n = 0;
        for (int i = runHead; i < runEnd; i++) { // records stay where they are; only live keys are kept
            long key = runOrder[i];
            int index = (int) key;
            if (live(index)) {
                runOrder[n++] = key;
            } else {
                runEntry[index] = null;
            }
        }
        runHead = 0;
        runEnd = n;
        n = 0;
        for (int i = 0; i < lateSize; i++) {
            Entry e = lateEntry[i];
            if (live(e, lateSequence[i])) {
                lateDeadline[n] = lateDeadline[i];
                lateSequence[n] = lateSequence[i];
                lateEntry[n++] = e;
            }
        }
        Arrays.fill(lateEntry, n, lateSize, null);
        lateSize = n;
        for (int i = (n >>> 1) - 1; i >= 0; i--) {
            siftDown(i, lateDeadline[i], lateSequence[i], lateEntry[i]);
        }
        dueStale = 0;
    }

    private void siftUp(int index, long deadline, long sequence, Entry e) {
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            long pd = lateDeadline[parent];
            if (deadline > pd || (deadline == pd && sequence > lateSequence[parent])) {
                break;
            }
            lateDeadline[index] = pd;
            lateSequence[index] = lateSequence[parent];
            lateEntry[index] = lateEntry[parent];
            index = parent;
        }
        lateDeadline[index] = deadline;
        lateSequence[index] = sequence;
        lateEntry[index] = e;
    }

    private void siftDown(int index, long deadline, long sequence, Entry e) {
        int half = lateSize >>> 1;
        while (index < half) {
            int child = (index << 1) + 1;
            int right = child + 1;
            if (right < lateSize && (lateDeadline[right] < lateDeadline[child]
                    || (lateDeadline[right] == lateDeadline[child] && lateSequence[right] < lateSequence[child]))) {
                child = right;
            }
            long cd = lateDeadline[child];
            if (cd > deadline || (cd == deadline && lateSequence[child] > sequence)) {
                break;
            }
            lateDeadline[index] = cd;
            lateSequence[index] = lateSequence[child];
            lateEntry[index] = lateEntry[child];
            index = child;
        }
        lateDeadline[index] = deadline;
        lateSequence[index] = sequence;
        lateEntry[index] = e;
    }

    /**
     * A timer the wheel can hold. Subclass it to carry the timer's work; an entry records its place in the wheel, so it
     * is in at most one wheel at a time.
     */
    public abstract static class Entry {
        static final int NOWHERE = -1;
        static final int DUE = -2;    // expired: a record in the run or the late heap
        static final int POLLED = -3; // handed out by poll, untouched since: rearm may keep its sequence

        long deadline;
        long sequence;
        int slot = NOWHERE; // >= 0: wheel slot; NOWHERE; DUE; POLLED
        int position;       // index in its slot's array while in the wheel

        protected Entry() {
        }

        /**
         * Sets the deadline before the entry is armed, for an owner that records it early; {@link #arm} sets it again.
         *
         * @throws IllegalStateException if the entry is armed
         */
        protected final void presetDeadline(long deadline) {
            if (isArmed()) {
                throw new IllegalStateException("timer is armed");
            }
            this.deadline = deadline;
        }

        /**
         * Called by the wheel on each timer of a tick when the tick expires, in one walk over the whole tick, before
         * {@link TimerWheel#poll} hands any of them out: the place for a subclass to read the fields its firing reads
         * or writes. Timers fire one after another (in a loop, each behind a CAS), so a field on a cache line not
         * loaded yet costs a full miss per timer there; read in this walk, the misses of a whole tick overlap. Return
         * anything computed from those reads (the wheel adds the values up in a field nobody reads, so that the
         * compiler keeps the reads). Must be cheap, must not throw and must not call the wheel. The default
         * reads nothing.
         *
         * @return any value derived from the fields read
         */
        protected int warm() {
            return 0;
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
            return slot >= 0 || slot == DUE;
        }
    }
}
