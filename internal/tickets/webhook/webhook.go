// Package webhook delivers the ticket outbox to departments' own systems: each
// message is POSTed as JSON to the department's webhook URL, signed with HMAC-SHA256
// over a timestamp and the body, retried with exponential backoff, and every attempt
// is recorded. Messages are claimed with a lease, so several controllers deliver
// together and a message whose deliverer died is delivered by another.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/tickets"
)

// Headers of a delivery.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
	SignatureHeader = "X-Ikomek-Signature"
	// DeliveryHeader carries the outbox message id: the same on every retry, so a
	// receiver can ignore a message it has already processed.
	DeliveryHeader = "X-Ikomek-Delivery"
	// TopicHeader carries the message's topic, e.g. ticket.assigned.
	TopicHeader = "X-Ikomek-Topic"
)

// Sign returns the signature header value of body sent at ts.
func Sign(secret string, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	return "t=" + t + ",v1=" + mac(secret, t, body)
}

func mac(secret, t string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(t))
	h.Write([]byte("."))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// ErrBadSignature is returned by Verify for a missing, malformed, wrong or stale
// signature.
var ErrBadSignature = errors.New("webhook: bad signature")

// Verify checks a signature header against body, as a receiver does: the HMAC must
// match and the timestamp be within tolerance of now (replays are refused).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var t, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			t = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || sig == "" {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is outside the tolerance", ErrBadSignature, t)
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, t, body))) {
		return ErrBadSignature
	}
	return nil
}

// Deliverer claims due messages from the outbox and delivers them. Set the fields
// before Run; zero values take the defaults.
type Deliverer struct {
	Outbox tickets.Outbox
	Log    *slog.Logger
	Client *http.Client     // 10 s timeout by default
	Worker string           // the lease holder's name; host:pid by default
	Now    func() time.Time // time.Now by default
	// Batch messages are claimed at a time and delivered Parallel at once.
	Batch, Parallel int
	// Lease is how long a claimed message is this deliverer's; it must exceed the
	// client's timeout. One minute by default.
	Lease time.Duration
	// Every is how often an idle deliverer looks for due messages (2 s by default).
	Every time.Duration
	// MaxAttempts failed attempts make a message gave_up (25 by default: about a day
	// with the default backoff).
	MaxAttempts int
	Backoff     func(failed int) time.Duration // tickets.Backoff by default

	attempts *prometheus.CounterVec
	once     sync.Once
}

func (d *Deliverer) defaults() {
	d.once.Do(func() {
		if d.Client == nil {
			d.Client = &http.Client{Timeout: 10 * time.Second}
		}
		if d.Worker == "" {
			host, _ := os.Hostname()
			d.Worker = fmt.Sprintf("%s:%d", host, os.Getpid())
		}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Batch <= 0 {
			d.Batch = 20
		}
		if d.Parallel <= 0 {
			d.Parallel = 4
		}
		if d.Lease <= 0 {
			d.Lease = time.Minute
		}
		if d.Every <= 0 {
			d.Every = 2 * time.Second
		}
		if d.MaxAttempts <= 0 {
			d.MaxAttempts = 25
		}
		if d.Backoff == nil {
			d.Backoff = tickets.Backoff
		}
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
	})
}

// Register creates the deliverer's metrics in reg: attempts by outcome and the
// outbox backlog. Call it once before Run.
func (d *Deliverer) Register(reg prometheus.Registerer) {
	d.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ikomek_outbox_delivery_attempts_total",
		Help: "Webhook delivery attempts to departments, by outcome.",
	}, []string{"outcome"})
	for _, o := range tickets.Outcomes {
		d.attempts.WithLabelValues(string(o))
	}
	backlog := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ikomek_outbox_backlog",
		Help: "Notifications to departments not yet delivered (or given up).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := d.Outbox.Backlog(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(d.attempts, backlog)
}

// Run delivers until ctx ends: at once while there is work, every Every otherwise.
func (d *Deliverer) Run(ctx context.Context) error {
	d.defaults()
	for {
		n, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.Log.Error("outbox delivery failed", "err", err)
		}
		wait := d.Every
		if n == d.Batch {
			wait = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// DeliverDue claims one batch of due messages and delivers it, returning how many
// messages it claimed.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	d.defaults()
	ms, err := d.Outbox.Claim(ctx, d.Worker, d.Batch, d.Now(), d.Lease)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, d.Parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, m := range ms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := d.deliver(ctx, m); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(ms), errors.Join(errs...)
}

// deliver makes one attempt at m and records it.
func (d *Deliverer) deliver(ctx context.Context, m tickets.Message) error {
	start := d.Now()
	a := tickets.Attempt{MessageID: m.ID, Attempt: m.Attempt, At: start, URL: m.URL, Worker: d.Worker}
	if m.URL == "" {
		a.Outcome = tickets.NoEndpoint
	} else {
		began := time.Now()
		a.StatusCode, a.Error = d.post(ctx, m, start)
		a.Duration = time.Since(began)
		switch {
		case a.Error == "":
			a.Outcome = tickets.Delivered
		case m.Attempt >= d.MaxAttempts:
			a.Outcome = tickets.GaveUp
		default:
			a.Outcome = tickets.Failed
		}
	}
	if d.attempts != nil {
		d.attempts.WithLabelValues(string(a.Outcome)).Inc()
	}
	if a.Outcome == tickets.Failed || a.Outcome == tickets.GaveUp {
		d.Log.Warn("webhook delivery failed", "message", m.ID, "department", m.Department, "attempt", m.Attempt,
			"outcome", a.Outcome, "err", a.Error)
	}
	// Recorded even if ctx has ended: the attempt happened.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return d.Outbox.Record(rctx, m, a, start.Add(d.Backoff(m.Attempt)))
}

// post sends m and returns the status code and an error text, "" on success (2xx).
func (d *Deliverer) post(ctx context.Context, m tickets.Message, at time.Time) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "ikomek-webhook/1")
	req.Header.Set(SignatureHeader, Sign(m.Secret, at, m.Payload))
	req.Header.Set(DeliveryHeader, strconv.FormatInt(m.ID, 10))
	req.Header.Set(TopicHeader, m.Topic)
	resp, err := d.Client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return resp.StatusCode, ""
}
