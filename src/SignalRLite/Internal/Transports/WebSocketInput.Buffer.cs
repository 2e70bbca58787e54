using System.Buffers;
using System.IO.Pipelines;

namespace SignalRLite.Internal.Transports;

/// <summary>
/// The received bytes: a chain of pooled 4 KB segments from the first unconsumed byte to the tail, which the data
/// receive writes into; given back to the pool as soon as everything is consumed and no receive writes.
/// </summary>
internal sealed partial class WebSocketInput
{
    /// <summary>Unconsumed bytes held (for tests and diagnostics).</summary>
    internal long BufferedBytes
    {
        get
        {
            lock (_lock)
            {
                return BufferedLocked();
            }
        }
    }

    /// <summary>Whether any segment is held (an idle connection holds none).</summary>
    internal bool HoldsBuffer
    {
        get
        {
            lock (_lock)
            {
                return _head is not null;
            }
        }
    }

    /// <summary>Whether the receive driver runs (a receive is in flight or about to be issued).</summary>
    internal bool IsReceiving
    {
        get
        {
            lock (_lock)
            {
                return _receiving;
            }
        }
    }

    private bool TryGetResultLocked(out ReadResult result, out Exception? failure)
    {
        failure = null;
        if (_cancelPending)
        {
            _cancelPending = false;
            result = new ReadResult(BufferLocked(), isCanceled: true, isCompleted: false);
            return true;
        }

        if (_ended)
        {
            failure = _error;
            result = new ReadResult(BufferLocked(), isCanceled: false, isCompleted: true);
            return true;
        }

        if (!_examinedAll && BufferedLocked() > 0)
        {
            result = new ReadResult(BufferLocked(), isCanceled: false, isCompleted: false);
            return true;
        }

        result = default;
        return false;
    }

    private ReadOnlySequence<byte> BufferUnderLock()
    {
        lock (_lock)
        {
            return BufferLocked();
        }
    }

    private ReadOnlySequence<byte> BufferLocked()
    {
        if (_head is null || (_head == _tail && _headStart == _tail.End))
        {
            _lastEnd = default;
            return ReadOnlySequence<byte>.Empty;
        }

        var buffer = new ReadOnlySequence<byte>(_head, _headStart, _tail!, _tail!.End);
        _lastEnd = buffer.End;
        return buffer;
    }

    // A data receive is in flight: it writes into the tail's free space (a zero-byte receive writes nothing).
    private bool WritingLocked => _receiving && _zeroByteDone;

    private long BufferedLocked() =>
        _head is null ? 0 : _tail!.RunningIndex + _tail.End - (_head.RunningIndex + _headStart);

    // The free space the data receive writes into: the tail's rest, or a new segment.
    private Memory<byte> TargetLocked()
    {
        if (_tail is null || _tail.End == _tail.Array.Length)
        {
            var segment = t_spare ?? new Segment();
            t_spare = null;
            segment.Init(ArrayPool<byte>.Shared.Rent(SegmentSize), _tail is null ? 0 : _tail.RunningIndex + _tail.Array.Length);
            if (_tail is null)
            {
                _head = segment;
                _headStart = 0;
            }
            else
            {
                _tail.SetNext(segment);
            }

            _tail = segment;
        }

        return _tail.Array.AsMemory(_tail.End);
    }

    // Everything consumed and no receive writing into the tail: give the memory back, as an idle pipe does.
    private void ReleaseIfEmptyLocked()
    {
        if (_head is not null && _head == _tail && _headStart == _tail.End && !WritingLocked)
        {
            ReturnSegment(_head);
            _head = _tail = null;
            _headStart = 0;
        }
    }

    // Only once the reader completed (it may hold buffers until then).
    private void DiscardLocked()
    {
        if (WritingLocked)
        {
            // A receive may be writing into the tail: keep it (emptied) for that receive.
            while (_head is not null && _head != _tail)
            {
                var next = (Segment?)_head.Next;
                ReturnSegment(_head);
                _head = next;
            }

            if (_head is not null)
            {
                _head.End = 0;
                _headStart = 0;
            }

            return;
        }

        while (_head is not null)
        {
            var next = (Segment?)_head.Next;
            ReturnSegment(_head);
            _head = next;
        }

        _tail = null;
        _headStart = 0;
    }

    private void ReturnSegment(Segment segment)
    {
        ArrayPool<byte>.Shared.Return(segment.Array);
        segment.Reset();
        t_spare = segment;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public byte[] Array = [];

        /// <summary>How many bytes of <see cref="Array"/> hold data.</summary>
        public int End;

        public void Init(byte[] array, long runningIndex)
        {
            Array = array;
            End = 0;
            Memory = array;
            RunningIndex = runningIndex;
            Next = null;
        }

        public void SetNext(Segment next) => Next = next;

        public void Reset()
        {
            Array = [];
            Memory = default;
            Next = null;
            End = 0;
        }
    }
}
