package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

// benchRate is the offered load of the API benchmarks in requests per second:
// 1,000, or IKOMEK_BENCH_RATE.
func benchRate() int {
	if n, err := strconv.Atoi(os.Getenv("IKOMEK_BENCH_RATE")); err == nil && n > 0 {
		return n
	}
	return 1000
}

// BenchmarkTicketAPI drives the real handler over loopback, PostgreSQL included, with
// an open-loop load generator: request i is sent at start + i/benchRate whatever
// happened to earlier ones, and its latency counts from that scheduled time, so a
// stall shows in the percentiles instead of slowing the generator down. b.N is the
// number of requests; run it with e.g. -benchtime=10000x for ten seconds of load.
//
//	go test -run '^$' -bench TicketAPI -benchtime 10000x ./internal/httpapi/
func BenchmarkTicketAPI(b *testing.B) {
	dsn := testenv.PostgresDSN(b)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := tickets.LoadSeed(ctx, db.Catalog(), db.SLA(), tickets.CitySeed(), tickets.System("bench")); err != nil {
		b.Fatal(err)
	}
	s := &httpapi.Server{Tokens: &auth.Cache{Next: db.Tokens()}, Calls: db.Calls(), Tickets: db.Tickets(), Catalog: db.Catalog(),
		SLA: db.SLA(), Outbox: db.Outbox()}
	srv := httptest.NewServer(timed(s.Handler()))
	defer srv.Close()
	_, secret, err := db.Tokens().Create(ctx, "bench operator", auth.Operator, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	client := newLoadClient(srv.Listener.Addr().String(), secret)
	defer client.close()
	codes := []string{"pothole", "water_leak", "street_lighting", "waste_not_collected", "snow_ice", "bus_stop"}
	create := func(i int) error {
		body := fmt.Appendf(nil, `{"channel":"web","service_code":%q,"address":"пр. Абая, %d","area":"Алматинский",`+
			`"description":"Нагрузочный тест %d","caller":{"phone":"+7701%07d"}}`, codes[i%len(codes)], i%300, i, i%100000)
		return client.do("POST", "/api/v1/tickets", body, http.StatusCreated)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(postgres.TicketMetrics()...)
	// New tickets written together (the default) and, side by side, each one alone
	// in its own transaction as it comes.
	for _, mode := range []struct {
		name    string
		writers int
	}{{"create", 2}, {"create-alone", 10000}} {
		b.Run(mode.name, func(b *testing.B) {
			db.SetCreateWriters(mode.writers)
			n0, sum0 := batchSizes(b, reg)
			load(b, benchRate(), create)
			n1, sum1 := batchSizes(b, reg)
			if n1 > n0 {
				b.ReportMetric((sum1-sum0)/(n1-n0), "tickets/batch")
			}
		})
	}
	db.SetCreateWriters(2)
	b.Run("read", func(b *testing.B) {
		ids := make([]int64, 0, 2000)
		for i := range 2000 {
			tk, err := db.Tickets().Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: codes[i%len(codes)],
				Address: fmt.Sprintf("ул. Кенесары, %d", i)}, tickets.Actor{Role: "operator", Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			ids = append(ids, tk.ID)
		}
		load(b, benchRate(), func(i int) error {
			return client.do("GET", "/api/v1/tickets/"+strconv.FormatInt(ids[rand.IntN(len(ids))], 10), nil, http.StatusOK)
		})
	})
	// The machine's floor, measured the same way in the same run: a bare handler that
	// asks PostgreSQL three times for a constant on the same pool and answers a few
	// bytes, so what the API adds can be told from what the machine costs.
	b.Run("floor", func(b *testing.B) {
		bare := httptest.NewServer(timed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var n int
			for range 3 {
				if err := db.Pool.QueryRow(r.Context(), `SELECT $1::int`, 109).Scan(&n); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"n":%d}`, n)
		})))
		defer bare.Close()
		bc := newLoadClient(bare.Listener.Addr().String(), secret)
		defer bc.close()
		load(b, benchRate(), func(i int) error { return bc.do("GET", "/", nil, http.StatusOK) })
	})
}

// batchSizes reads the count and sum of the create batch size histogram.
func batchSizes(tb testing.TB, g prometheus.Gatherer) (n, sum float64) {
	mfs, err := g.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "ikomek_ticket_create_batch_size" {
			h := mf.GetMetric()[0].GetHistogram()
			return float64(h.GetSampleCount()), h.GetSampleSum()
		}
	}
	return 0, 0
}

// load offers b.N requests at rate per second and reports latency percentiles, the
// rate achieved and the errors.
func load(b *testing.B, rate int, do func(i int) error) {
	interval := time.Second / time.Duration(rate)
	// Two seconds of the same load first, not measured: a running controller has its
	// pool's connections open and their statements prepared, and so does the benchmark.
	var warm sync.WaitGroup
	warmStart := time.Now()
	for i := range 2 * rate {
		time.Sleep(time.Until(warmStart.Add(time.Duration(i) * interval)))
		warm.Add(1)
		go func() {
			defer warm.Done()
			do(b.N + i)
		}()
	}
	warm.Wait()
	handlerTimes.take()
	lat := make([]time.Duration, b.N)
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := do(i); err != nil {
				errs.Add(1)
				firstErr.CompareAndSwap(nil, err)
			}
			lat[i] = time.Since(at)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	lat0 := slices.Clone(lat)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	if ht := handlerTimes.take(); len(ht) > 0 {
		slices.Sort(ht)
		b.ReportMetric(float64(ht[len(ht)*99/100])/float64(time.Millisecond), "handler-p99-ms")
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.90), "p90-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(0.999), "p99.9-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(errs.Load()), "errors")
	if os.Getenv("IKOMEK_BENCH_STALLS") != "" {
		reportStalls(lat0, start, interval)
	}
	if e := firstErr.Load(); e != nil {
		b.Errorf("%d of %d requests failed; first: %v", errs.Load(), b.N, e)
	}
}

var processStart = time.Now()

// reportStalls prints each 50 ms window of scheduled send times whose slowest
// request took more than 10 ms, with its time since the start of the load and of the
// process. It prints to standard error: a benchmark's log is cut to a few lines.
func reportStalls(lat []time.Duration, start time.Time, interval time.Duration) {
	const window = 50 * time.Millisecond
	per := max(1, int(window/interval))
	for w := 0; w*per < len(lat); w++ {
		part := lat[w*per : min(len(lat), (w+1)*per)]
		worst, slow := time.Duration(0), 0
		for _, d := range part {
			worst = max(worst, d)
			if d > 10*time.Millisecond {
				slow++
			}
		}
		if worst > 10*time.Millisecond {
			at := start.Add(time.Duration(w*per) * interval)
			fmt.Fprintf(os.Stderr, "stall: window at %.3fs (process %.3fs): worst %.1f ms, %d of %d over 10 ms\n",
				at.Sub(start).Seconds(), at.Sub(processStart).Seconds(), float64(worst)/1e6, slow, len(part))
		}
	}
}

// handlerTimes collects how long the API's handler took for each request, from its
// call to its return: the latency less the loopback and the waits to be scheduled
// in the shared process, reported beside it as handler-p99-ms.
var handlerTimes durations

// timed is h adding its time for each request to handlerTimes.
func timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		h.ServeHTTP(w, r)
		handlerTimes.add(time.Since(t0))
	})
}

type durations struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *durations) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// take returns what was collected and starts afresh.
func (l *durations) take() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.d
	l.d = nil
	return d
}
