package loadgen

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// RunOptions bound a run in time and count. Rate is in spans per second; 0 sends as fast as
// Workers concurrent calls are answered.
type RunOptions struct {
	Rate        float64
	Duration    time.Duration
	MaxBatches  uint64 // 0: no bound beyond Duration
	Workers     int    // concurrent export calls; default 8
	FirstSeq    uint64 // lets consecutive runs on one workload keep trace ids unique
	TrackErrors bool   // record the trace ids of accepted error traces
	// OpenLoop sends each batch when it is due whether or not earlier calls were answered, as a
	// fleet of independent SDKs would, up to MaxInFlight calls (default 4096), each bounded by
	// Timeout (default 10 s, the OTLP exporters' default).
	OpenLoop    bool
	MaxInFlight int
	Timeout     time.Duration
}

// Stats is what a run sent and how the server answered.
type Stats struct {
	Batches, SentSpans, AcceptedSpans, RetryableSpans, FailedSpans int64
	SentErrorSpans, AcceptedErrorSpans                             int64
	Elapsed                                                        time.Duration
	TimedOutSpans                                                  int64                       // the client gave up waiting (open loop)
	Outcomes                                                       map[string]int64            // by status detail
	Latencies                                                      map[Outcome][]time.Duration // of the calls, by outcome
	AcceptedErrorTraces                                            [][16]byte
	NextSeq                                                        uint64
}

// AcceptedPerSecond is the accepted span throughput.
func (s Stats) AcceptedPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.AcceptedSpans) / s.Elapsed.Seconds()
}

// SentPerSecond is the offered span rate actually achieved.
func (s Stats) SentPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.SentSpans) / s.Elapsed.Seconds()
}

// Run sends batches until Duration passes, MaxBatches are sent or ctx ends. At a fixed rate a
// batch is due every SpansPerBatch/Rate seconds; a worker that falls behind sends at once, so the
// offered rate drops only when every worker is waiting on the server (SentPerSecond shows it).
func Run(ctx context.Context, c Client, w *Workload, opts RunOptions) Stats {
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	var interval time.Duration
	if opts.Rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(w.SpansPerBatch()) / opts.Rate)
	}
	var (
		next     atomic.Uint64
		mu       sync.Mutex
		wg       sync.WaitGroup
		total    = Stats{Outcomes: map[string]int64{}, Latencies: map[Outcome][]time.Duration{}}
		start    = time.Now()
		perBatch = int64(w.SpansPerBatch())
	)
	next.Store(opts.FirstSeq)
	record := func(seq uint64, outcome Outcome, detail string, errIDs [][16]byte, took time.Duration) {
		errSpans := int64(w.ErrorSpans(seq))
		mu.Lock()
		defer mu.Unlock()
		total.Latencies[outcome] = append(total.Latencies[outcome], took)
		total.Batches++
		total.SentSpans += perBatch
		total.SentErrorSpans += errSpans
		total.Outcomes[detail]++
		switch outcome {
		case Accepted:
			total.AcceptedSpans += perBatch
			total.AcceptedErrorSpans += errSpans
			if opts.TrackErrors {
				total.AcceptedErrorTraces = append(total.AcceptedErrorTraces, errIDs...)
			}
		case Retryable:
			total.RetryableSpans += perBatch
		case TimedOut:
			total.TimedOutSpans += perBatch
		default:
			total.FailedSpans += perBatch
		}
	}
	if opts.OpenLoop {
		runOpenLoop(ctx, c, w, opts, interval, start, record)
		total.Elapsed = time.Since(start)
		total.NextSeq = opts.FirstSeq + uint64(total.Batches)
		return total
	}
	for i := 0; i < opts.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			var errIDs [][16]byte
			for {
				seq := next.Add(1) - 1
				n := seq - opts.FirstSeq
				if opts.MaxBatches > 0 && n >= opts.MaxBatches {
					return
				}
				if interval > 0 {
					due := start.Add(time.Duration(n) * interval)
					if d := time.Until(due); d > 0 {
						select {
						case <-ctx.Done():
							return
						case <-time.After(d):
						}
					}
				}
				if ctx.Err() != nil {
					return
				}
				errIDs = errIDs[:0]
				buf, errIDs = w.Payload(seq, buf, errIDs)
				sent := time.Now()
				outcome, detail := c.Send(context.Background(), buf)
				record(seq, outcome, detail, errIDs, time.Since(sent))
			}
		}()
	}
	wg.Wait()
	total.Elapsed = time.Since(start)
	total.NextSeq = next.Load()
	return total
}

func runOpenLoop(ctx context.Context, c Client, w *Workload, opts RunOptions, interval time.Duration, start time.Time,
	record func(uint64, Outcome, string, [][16]byte, time.Duration)) {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 4096
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if interval <= 0 {
		interval = time.Millisecond
	}
	slots := make(chan struct{}, opts.MaxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for n := uint64(0); opts.MaxBatches == 0 || n < opts.MaxBatches; n++ {
		if d := time.Until(start.Add(time.Duration(n) * interval)); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		}
		select {
		case <-ctx.Done():
			return
		case slots <- struct{}{}:
		}
		seq := opts.FirstSeq + n
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			payload, errIDs := w.Payload(seq, nil, nil)
			callCtx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
			defer cancel()
			sent := time.Now()
			outcome, detail := c.Send(callCtx, payload)
			record(seq, outcome, detail, errIDs, time.Since(sent))
		}()
	}
}

// Quantile is the q-quantile (0..1) of the latencies of one outcome, 0 when there were none.
func (s Stats) Quantile(o Outcome, q float64) time.Duration {
	l := slices.Clone(s.Latencies[o])
	if len(l) == 0 {
		return 0
	}
	slices.Sort(l)
	return l[min(len(l)-1, int(q*float64(len(l))))]
}
