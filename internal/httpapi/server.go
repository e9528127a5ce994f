// Package httpapi is the HTTP edge of the controller: health and readiness, Prometheus
// metrics, the JSON API under /api/v1 with bearer tokens and roles, and the web console
// under /console/.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/console"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/tickets"
)

// Check reports whether one dependency is usable; nil means ready.
type Check func(ctx context.Context) error

// Server serves the HTTP API. Fields are set before Handler is called.
type Server struct {
	Log      *slog.Logger
	Tokens   auth.TokenStore
	Calls    calls.Store
	Checks   map[string]Check // readiness, by dependency name
	Gatherer prometheus.Gatherer
	// Registerer receives the HTTP metrics; nil means none.
	Registerer prometheus.Registerer

	// Operators, when set, enables the operator endpoints; Presence serves their live
	// state; Provision, when set, re-syncs SIP accounts after an operator changes.
	Operators operators.Store
	Presence  operators.Presence
	Provision func(ctx context.Context) error

	// Tickets, when set, enables the ticket, catalogue and Open311 endpoints.
	Tickets tickets.Store
	Catalog tickets.Catalog
	SLA     tickets.SLAStore
	Outbox  tickets.Outbox

	// Recordings and Access, when set, enable the recordings endpoints for reviewers,
	// serving audio from RecordingsDir; QC enables the quality-control endpoints.
	Recordings    qc.RecordingIndex
	Access        qc.AccessLog
	RecordingsDir string
	QC            qc.Store

	// Roster, when set, serves the stored rosters; StaffingNow the current interval.
	Roster      roster.Store
	StaffingNow StaffingMonitor
	// Availability, when set, serves operators' work rules and availability.
	Availability roster.Availability
	// Queue, when set, serves the line of waiting callers.
	Queue QueueView

	mux      *http.ServeMux
	duration *prometheus.HistogramVec
}

// Handler builds the routes.
func (s *Server) Handler() http.Handler {
	s.mux = http.NewServeMux()
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "ikomek_http_request_duration_seconds",
		Help:    "HTTP API request durations by route and status class.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "code"})
	if s.Registerer != nil {
		s.Registerer.MustRegister(s.duration)
	}

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	if s.Gatherer != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.Gatherer, promhttp.HandlerOpts{}))
	}

	s.mux.Handle("GET /console/", console.Handler("/console/"))
	s.mux.Handle("GET /{$}", http.RedirectHandler("/console/", http.StatusFound))

	s.api("GET /api/v1/whoami", s.whoami)
	s.api("GET /api/v1/calls/summary", s.callSummary, auth.Supervisor, auth.QC)
	s.api("GET /api/v1/calls/{id}", s.getCall, auth.Supervisor, auth.QC, auth.Operator)
	s.api("GET /api/v1/tokens", s.listTokens, auth.Admin)
	s.api("POST /api/v1/tokens", s.createToken, auth.Admin)
	s.api("DELETE /api/v1/tokens/{id}", s.revokeToken, auth.Admin)
	s.operatorRoutes()
	s.availabilityRoutes()
	s.ticketRoutes()
	s.qcRoutes()
	s.staffingRoutes()
	s.queueRoutes()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, s.Log, apperr.Errorf(apperr.NotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return s.observe(s.mux)
}

// apiHandler is an API endpoint: it returns a value to send as JSON or an error.
type apiHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal) (status int, body any, err error)

// api registers an endpoint that needs a bearer token of one of roles (any role when
// none is given; admin always passes).
func (s *Server) api(pattern string, h apiHandler, roles ...auth.Role) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err == nil && len(roles) > 0 && !p.Is(roles...) {
			err = apperr.Errorf(apperr.Forbidden, "role %s may not %s %s", p.Role, r.Method, r.Pattern)
		}
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		status, body, err := h(w, r, p)
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return auth.Principal{}, apperr.Errorf(apperr.Unauthorized, "an Authorization: Bearer token is required")
	}
	return s.Tokens.Authenticate(r.Context(), strings.TrimSpace(secret))
}

// observe records request durations by the matched route pattern (a bounded set).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		s.duration.WithLabelValues(route, strconv.Itoa(sw.status/100)+"xx").Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	out := map[string]string{}
	status := http.StatusOK
	for name, check := range s.Checks {
		if err := check(ctx); err != nil {
			out[name] = err.Error()
			status = http.StatusServiceUnavailable
		} else {
			out[name] = "ok"
		}
	}
	writeJSON(w, status, out)
}

// statusOf maps application error codes to HTTP statuses, here at the edge only.
func statusOf(code string) int {
	switch code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// ErrorBody is the JSON shape of every API error.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := apperr.Code(err)
	if code == apperr.Internal && log != nil {
		log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message = code, apperr.Message(err)
	if code == apperr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ikomek"`)
	}
	writeJSON(w, statusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decodeJSON reads a JSON body of at most 1 MiB into v, refusing unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Errorf(apperr.Invalid, "request body larger than 1 MiB")
		}
		return apperr.Errorf(apperr.Invalid, "bad JSON body: %v", err)
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Errorf(apperr.Invalid, "%s %q is not a positive integer", name, r.PathValue(name))
	}
	return id, nil
}
