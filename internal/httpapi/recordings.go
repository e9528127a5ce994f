package httpapi

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/qc"
)

// listeners are the roles that may hear recordings (admin passes everything).
var listeners = []auth.Role{auth.QC, auth.Supervisor}

// qcRoutes registers the recordings and quality-control endpoints, when their stores
// are set.
func (s *Server) qcRoutes() {
	if s.Recordings != nil && s.Access != nil {
		s.api("GET /api/v1/recordings", s.searchRecordings, listeners...)
		s.api("GET /api/v1/recordings/access", s.listAccess, auth.Supervisor)
		s.api("GET /api/v1/recordings/{id}", s.getRecording, listeners...)
		s.api("GET /api/v1/recordings/{id}/access", s.listAccess, auth.Supervisor)
		// No role restriction here: the handler checks the role itself so that a
		// refused attempt is audited too.
		s.mux.HandleFunc("GET /api/v1/recordings/{id}/audio", s.serveAudio(qc.Listen))
		s.mux.HandleFunc("GET /api/v1/recordings/{id}/download", s.serveAudio(qc.Download))
	}
	if s.QC != nil {
		s.reviewRoutes()
	}
}

func (s *Server) searchRecordings(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	q := r.URL.Query()
	var (
		f   qc.Search
		err error
	)
	f.Caller, f.Operator, f.Ticket, f.Outcome = q.Get("caller"), q.Get("operator"), q.Get("ticket"), q.Get("outcome")
	parse := func(name string, into func(string) error) {
		if v := q.Get(name); v != "" && err == nil {
			if e := into(v); e != nil {
				err = apperr.Errorf(apperr.Invalid, "%s %q: %v", name, v, e)
			}
		}
	}
	parse("from", func(v string) (e error) { f.From, e = time.Parse(time.RFC3339, v); return })
	parse("to", func(v string) (e error) { f.To, e = time.Parse(time.RFC3339, v); return })
	parse("min_duration", func(v string) (e error) { f.MinDuration, e = strconv.ParseFloat(v, 64); return })
	parse("max_duration", func(v string) (e error) { f.MaxDuration, e = strconv.ParseFloat(v, 64); return })
	parse("page_size", func(v string) (e error) { f.PageSize, e = strconv.Atoi(v); return })
	parse("after", func(v string) (e error) { f.After, e = strconv.ParseInt(v, 10, 64); return })
	if err != nil {
		return 0, nil, err
	}
	recs, next, err := s.Recordings.Search(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	if recs == nil {
		recs = []qc.Recording{}
	}
	body := map[string]any{"recordings": recs}
	if next != 0 {
		body["next"] = strconv.FormatInt(next, 10)
	}
	return http.StatusOK, body, nil
}

func (s *Server) getRecording(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	rec, err := s.Recordings.Recording(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, rec, nil
}

func (s *Server) listAccess(w http.ResponseWriter, r *http.Request, p auth.Principal) (int, any, error) {
	var f qc.AccessFilter
	if r.PathValue("id") != "" {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		f.RecordingID = id
	}
	q := r.URL.Query()
	for name, t := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			var err error
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				return 0, nil, apperr.Errorf(apperr.Invalid, "%s %q is not an RFC 3339 time", name, v)
			}
		}
	}
	if v := q.Get("token_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, nil, apperr.Errorf(apperr.Invalid, "token_id %q is not an integer", v)
		}
		f.TokenID = id
	}
	f.Subject = q.Get("subject")
	as, err := s.Access.Accesses(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	if as == nil {
		as = []qc.Access{}
	}
	return http.StatusOK, map[string]any{"accesses": as}, nil
}

// serveAudio streams a recording's file with range support (so a browser's <audio>
// can seek), after recording the access; a refused attempt is recorded as denied.
// The checksum is not recomputed here: `ikomekctl recordings verify` does that.
func (s *Server) serveAudio(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		ctx := r.Context()
		entry := qc.Access{RecordingID: id, Action: action, TokenID: p.TokenID, TokenName: p.Name,
			Role: string(p.Role), Subject: p.Subject, RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent(),
			Range: r.Header.Get("Range")}
		rec, recErr := s.Recordings.Recording(ctx, id)
		if recErr == nil {
			entry.CallID = rec.CallID
		}
		deny := func(reason string, err error) {
			entry.Action, entry.Reason = qc.Denied, reason
			if _, aerr := s.Access.Record(ctx, entry); aerr != nil {
				err = aerr
			}
			writeError(w, r, s.Log, err)
		}
		if !p.Is(listeners...) {
			deny("role", apperr.Errorf(apperr.Forbidden, "role %s may not hear recordings", p.Role))
			return
		}
		if recErr != nil {
			writeError(w, r, s.Log, recErr)
			return
		}
		if rec.RemovedAt != nil {
			writeError(w, r, s.Log, apperr.Errorf(apperr.NotFound, "the audio of recording %d was removed on %s (retention)",
				id, rec.RemovedAt.Format(time.DateOnly)))
			return
		}
		if rec.State != "stored" || rec.Path == "" {
			writeError(w, r, s.Log, apperr.Errorf(apperr.NotFound, "recording %d is not stored yet", id))
			return
		}
		// os.Root refuses any path that leaves the folder, symbolic links included.
		if !filepath.IsLocal(rec.Path) {
			if s.Log != nil {
				s.Log.Error("recording path outside the recordings folder", "id", id, "path", rec.Path)
			}
			deny("path outside the recordings folder",
				apperr.Errorf(apperr.Forbidden, "recording %d has a path outside the recordings folder", id))
			return
		}
		f, err := os.OpenInRoot(s.RecordingsDir, rec.Path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				writeError(w, r, s.Log, apperr.Errorf(apperr.NotFound, "the audio of recording %d is missing", id))
				return
			}
			if strings.Contains(err.Error(), "escapes") {
				deny("path outside the recordings folder",
					apperr.Errorf(apperr.Forbidden, "recording %d has a path outside the recordings folder", id))
				return
			}
			writeError(w, r, s.Log, fmt.Errorf("open recording %d: %w", id, err))
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			writeError(w, r, s.Log, fmt.Errorf("recording %d is not a regular file: %v", id, err))
			return
		}
		// No audio leaves without its audit row.
		if _, err := s.Access.Record(ctx, entry); err != nil {
			writeError(w, r, s.Log, err)
			return
		}
		ctype := "audio/wav"
		if rec.Format != "" && rec.Format != "wav" {
			ctype = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "private, no-store")
		name := fmt.Sprintf("call-%d-recording-%d.%s", rec.CallID, rec.ID, rec.Format)
		if action == qc.Download {
			w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		} else {
			w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", name))
		}
		http.ServeContent(w, r, name, st.ModTime(), f)
	}
}
