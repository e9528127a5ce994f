package e2e

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/config"
)

// BenchmarkCallPath places real calls through Asterisk (sipp citizens and operators)
// and reports, from the controller's own clock: operator free or call queued -> dial
// request sent (p50, p99), operator answer -> bridged and recording (p50, p99), and
// the controller's heap and goroutines before and after the run. Run with
//
//	go test ./test/e2e -run '^$' -bench CallPath -benchtime 1x [-calls 1000]
func BenchmarkCallPath(b *testing.B) {
	calls := benchCalls
	for i := 0; i < b.N; i++ {
		runCallPathLoad(b, calls)
	}
}

var benchCalls = 300

func init() {
	if v, err := strconv.Atoi(envOr("IKOMEK_BENCH_CALLS", "300")); err == nil {
		benchCalls = v
	}
}

func runCallPathLoad(b *testing.B, total int) {
	const operatorsN = 10
	var mu sync.Mutex
	samples := map[string][]time.Duration{}
	c := startControllerTB(b, func(cfg *config.Config) {
		fastCalls(cfg)
		cfg.WrapUp = 0
		cfg.LogLevel = envOr("IKOMEK_BENCH_LOG", "warn")
	})
	c.Flow.Observe = func(name string, d time.Duration) {
		mu.Lock()
		samples[name] = append(samples[name], d)
		mu.Unlock()
	}
	for i := 0; i < operatorsN; i++ {
		login, pw := newOperator(b, c, "ru")
		p := startPhone(b, c, login, pw, phoneOpts{AnswerMS: 50, SpeakMS: 100})
		ready(b, c, p)
	}
	heap := func() (uint64, int) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc, runtime.NumGoroutine()
	}
	warm := total / 5
	// Warm-up, then the measured run; memory is compared between the two ends.
	run := func(n int, first int) {
		r := startSipp(b, c.Ast, callerScenario(b, callerOpts{Caller: "7702" + strconv.Itoa(first), SpeakMS: 0, HoldMS: 3000}),
			"-m", strconv.Itoa(n), "-r", envOr("IKOMEK_BENCH_RATE", "4"), "-l", "60",
			"-timeout", fmt.Sprintf("%ds", n+300))
		r.wait(b, time.Duration(n)*time.Second+2*time.Minute)
	}
	run(warm, 1)
	waitFor(b, time.Minute, "calls to settle", func() bool { return c.Flow.Active() == 0 })
	h0, g0 := heap()
	b.ResetTimer()
	start := time.Now()
	run(total, 2)
	waitFor(b, time.Minute, "calls to settle", func() bool { return c.Flow.Active() == 0 })
	elapsed := time.Since(start)
	b.StopTimer()
	h1, g1 := heap()
	mu.Lock()
	defer mu.Unlock()
	for _, name := range []string{"dispatch", "bridge"} {
		s := samples[name]
		if len(s) == 0 {
			b.Fatalf("no %s samples", name)
		}
		slices.Sort(s)
		p := func(q float64) float64 { return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000 }
		b.ReportMetric(p(0.5), name+"_p50_ms")
		b.ReportMetric(p(0.99), name+"_p99_ms")
		b.ReportMetric(float64(len(s)), name+"_samples")
		fmt.Printf("%-8s n=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n", name, len(s), p(0.5), p(0.9), p(0.99), p(1))
	}
	growth := (float64(h1) - float64(h0)) / float64(total)
	b.ReportMetric(growth, "heap_growth_B/call")
	b.ReportMetric(float64(total)/elapsed.Seconds(), "calls/s")
	fmt.Printf("heap after warm-up %d KiB, after %d more calls %d KiB (%.0f B/call); goroutines %d -> %d\n",
		h0/1024, total, h1/1024, growth, g0, g1)
}
