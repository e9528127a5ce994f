package testenv

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkCPUSteadiness measures whether this machine's CPU keeps its speed: it does
// the same small piece of arithmetic (about 200 µs) over and over for b.N seconds and
// compares each 50 ms window's mean time per piece with the median. On a virtual
// machine whose host takes cycles away now and then, windows run several times
// slower while the guest sees nothing (no steal time is reported). Latency figures
// from such a machine carry those windows in their tail; run this beside them.
//
//	go test -run '^$' -bench CPUSteadiness -benchtime 10x ./internal/testenv/
func BenchmarkCPUSteadiness(b *testing.B) {
	n := calibrate(200 * time.Microsecond)
	type piece struct {
		at   time.Duration
		took time.Duration
	}
	var pieces []piece
	start := time.Now()
	for time.Since(start) < time.Duration(b.N)*time.Second {
		t := time.Now()
		spin(n)
		pieces = append(pieces, piece{t.Sub(start), time.Since(t)})
	}
	took := make([]time.Duration, len(pieces))
	for i, p := range pieces {
		took[i] = p.took
	}
	slices.Sort(took)
	median := took[len(took)/2]

	// Pieces over 2 ms were preempted (the scheduler ran something else), which is not
	// what this measures.
	const window = 50 * time.Millisecond
	var windows, slow int
	worst := 1.0
	for i := 0; i < len(pieces); {
		end := pieces[i].at.Truncate(window) + window
		var sum time.Duration
		var count int
		for ; i < len(pieces) && pieces[i].at < end; i++ {
			if pieces[i].took < 2*time.Millisecond {
				sum += pieces[i].took
				count++
			}
		}
		if count == 0 {
			continue
		}
		windows++
		x := float64(sum) / float64(count) / float64(median)
		if x > 1.3 {
			slow++
		}
		worst = max(worst, x)
	}
	b.ReportMetric(float64(median)/float64(time.Microsecond), "median-µs")
	b.ReportMetric(100*float64(slow)/float64(windows), "slow-windows-%")
	b.ReportMetric(worst, "worst-window-x")
	b.ReportMetric(0, "ns/op")
}

var sink uint64

// spin does n steps of a linear congruential generator: work for the CPU alone, with
// no memory traffic.
func spin(n int) {
	x := uint64(1)
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink += x
}

// calibrate returns how many steps of spin take about d, from the fastest of a few tries.
func calibrate(d time.Duration) int {
	const steps = 100_000
	fastest := time.Hour
	for range 20 {
		t := time.Now()
		spin(steps)
		fastest = min(fastest, time.Since(t))
	}
	return max(1, int(float64(steps)*float64(d)/float64(fastest)))
}
