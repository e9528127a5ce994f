package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/recordings"
	"github.com/ikomek/ikomek/internal/testenv"
)

// recFixture is the API over a fresh database and a temporary recordings folder, with
// a token per role.
type recFixture struct {
	srv    *httptest.Server
	db     *postgres.DB
	dir    string
	tokens map[auth.Role]string
	ids    map[auth.Role]int64
}

func newRecFixture(tb testing.TB) *recFixture {
	tb.Helper()
	db := testenv.Postgres(tb)
	dir := tb.TempDir()
	s := &httpapi.Server{Tokens: db.Tokens(), Calls: db.Calls(), Recordings: db.RecordingIndex(),
		Access: db.RecordingAccess(), RecordingsDir: dir, QC: db.QC()}
	f := &recFixture{srv: httptest.NewServer(s.Handler()), db: db, dir: dir,
		tokens: map[auth.Role]string{}, ids: map[auth.Role]int64{}}
	tb.Cleanup(f.srv.Close)
	for _, r := range auth.Roles {
		tok, secret, err := db.Tokens().Create(context.Background(), "test "+string(r), r, "who-"+string(r), nil)
		if err != nil {
			tb.Fatal(err)
		}
		f.tokens[r], f.ids[r] = secret, tok.ID
	}
	return f
}

// record stores a call with a recording whose file holds body at rel (any path, even a
// bad one) and returns the call and recording ids.
func (f *recFixture) record(tb testing.TB, caller, operator string, at time.Time, rel string, body []byte, dur float64) (int64, int64) {
	tb.Helper()
	ctx := context.Background()
	var callID int64
	if err := f.db.Pool.QueryRow(ctx, `INSERT INTO calls (asterisk_id, channel_id, line, caller_number, arrived_at,
			state, outcome, operator_login, connected_at)
		VALUES ('ast1', $1, '109', $2, $3::timestamptz, 'ended', 'answered', $4, $3::timestamptz) RETURNING id`,
		"ch-"+testenv.RandomSuffix(8), caller, at, operator).Scan(&callID); err != nil {
		tb.Fatal(err)
	}
	rec, err := f.db.Recordings().Start(ctx, recordings.Rec{CallID: callID, AsteriskID: "ast1",
		Name: fmt.Sprintf("rec-%d", callID), OperatorLogin: operator, StartedAt: at})
	if err != nil {
		tb.Fatal(err)
	}
	sum := fmt.Sprintf("%064x", 0)
	if body != nil && filepath.IsLocal(rel) {
		full := filepath.Join(f.dir, rel)
		os.MkdirAll(filepath.Dir(full), 0o750)
		if err := os.WriteFile(full, body, 0o640); err != nil {
			tb.Fatal(err)
		}
		sum, _, _ = recordings.FileSHA256(full)
	}
	if err := f.db.Recordings().Store(ctx, rec.ID, rel, sum, int64(len(body)), dur, at); err != nil {
		tb.Fatal(err)
	}
	return callID, rec.ID
}

func (f *recFixture) get(tb testing.TB, path string, role auth.Role, hdr map[string]string) (*http.Response, []byte) {
	tb.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	}
	req.Header.Set("User-Agent", "test-browser/1.0")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (f *recFixture) accesses(tb testing.TB, recID int64) []qc.Access {
	tb.Helper()
	as, err := f.db.RecordingAccess().Accesses(context.Background(), qc.AccessFilter{RecordingID: recID})
	if err != nil {
		tb.Fatal(err)
	}
	return as
}

// fakeWAV is a valid 8 kHz 16-bit mono WAV header followed by n bytes of ramp.
func fakeWAV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	b.Write([]byte{byte(36 + n), byte((36 + n) >> 8), 0, 0})
	b.WriteString("WAVEfmt ")
	b.Write([]byte{16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0})
	b.WriteString("data")
	b.Write([]byte{byte(n), byte(n >> 8), 0, 0})
	for i := range n {
		b.WriteByte(byte(i * 7))
	}
	return b.Bytes()
}

func TestRecordingsForReviewers(t *testing.T) {
	f := newRecFixture(t)
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	wav := fakeWAV(4000)
	_, rec := f.record(t, "+77011112233", "aigerim", t0, "2026/11/24/call-a.wav", wav, 0.25)
	f.record(t, "+77012223344", "daniyar", t0.Add(time.Hour), "2026/11/24/call-b.wav", fakeWAV(100), 90)

	t.Run("search filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  int
		}{
			{"", 2},
			{"?operator=aigerim", 1},
			{"?caller=87012223344", 1},
			{"?min_duration=60", 1},
			{"?from=2026-11-24T09:30:00Z&to=2026-11-25T00:00:00Z", 1},
			{"?outcome=abandoned", 0},
			{"?ticket=109-2026-999999", 0},
		} {
			var body struct{ Recordings []qc.Recording }
			resp, b := f.get(t, "/api/v1/recordings"+tc.query, auth.QC, nil)
			json.Unmarshal(b, &body)
			if resp.StatusCode != 200 || len(body.Recordings) != tc.want {
				t.Errorf("search %q = %d, %d results; want %d: %s", tc.query, resp.StatusCode, len(body.Recordings), tc.want, b)
			}
		}
		if resp, _ := f.get(t, "/api/v1/recordings?from=yesterday", auth.QC, nil); resp.StatusCode != 400 {
			t.Errorf("bad from = %d", resp.StatusCode)
		}
		if resp, _ := f.get(t, "/api/v1/recordings", auth.Operator, nil); resp.StatusCode != 403 {
			t.Errorf("operator search = %d", resp.StatusCode)
		}
	})

	t.Run("range request returns 206 with the exact bytes", func(t *testing.T) {
		resp, b := f.get(t, fmt.Sprintf("/api/v1/recordings/%d/audio", rec), auth.QC, map[string]string{"Range": "bytes=100-199"})
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(b, wav[100:200]) {
			t.Fatalf("range = %d, %d bytes", resp.StatusCode, len(b))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "audio/wav" {
			t.Errorf("Content-Type %q", ct)
		}
		if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 100-199/%d", len(wav)) {
			t.Errorf("Content-Range %q", cr)
		}
		if resp.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("Accept-Ranges %q", resp.Header.Get("Accept-Ranges"))
		}
		resp, b = f.get(t, fmt.Sprintf("/api/v1/recordings/%d/download", rec), auth.Supervisor, nil)
		if resp.StatusCode != 200 || !bytes.Equal(b, wav) {
			t.Fatalf("download = %d, %d bytes", resp.StatusCode, len(b))
		}
		if cd := resp.Header.Get("Content-Disposition"); cd == "" || cd[:10] != "attachment" {
			t.Errorf("Content-Disposition %q", cd)
		}
		as := f.accesses(t, rec)
		if len(as) != 2 || as[1].Action != qc.Listen || as[1].Range != "bytes=100-199" || as[1].Role != "qc" ||
			as[1].TokenID != f.ids[auth.QC] || as[1].UserAgent != "test-browser/1.0" || as[1].RemoteAddr == "" ||
			as[0].Action != qc.Download || as[0].Role != "supervisor" {
			t.Fatalf("audit %+v", as)
		}
	})

	t.Run("roles without permission get 403 and an audited denial", func(t *testing.T) {
		before := len(f.accesses(t, rec))
		for _, role := range []auth.Role{auth.Department, auth.Operator, auth.Open311} {
			resp, b := f.get(t, fmt.Sprintf("/api/v1/recordings/%d/audio", rec), role, nil)
			if resp.StatusCode != 403 || bytes.Contains(b, wav[50:80]) {
				t.Errorf("%s: %d", role, resp.StatusCode)
			}
		}
		as := f.accesses(t, rec)
		if len(as) != before+3 {
			t.Fatalf("%d audit rows, want %d", len(as), before+3)
		}
		for _, a := range as[:3] {
			if a.Action != qc.Denied || a.Reason != "role" || a.CallID == 0 {
				t.Errorf("denial row %+v", a)
			}
		}
		if resp, _ := f.get(t, fmt.Sprintf("/api/v1/recordings/%d/audio", rec), "", nil); resp.StatusCode != 401 {
			t.Errorf("no token: %d", resp.StatusCode)
		}
	})

	t.Run("paths outside the recordings folder are refused", func(t *testing.T) {
		secret := filepath.Join(filepath.Dir(f.dir), "secret-"+testenv.RandomSuffix(4)+".wav")
		os.WriteFile(secret, []byte("not for you"), 0o600)
		t.Cleanup(func() { os.Remove(secret) })
		_, bad := f.record(t, "+77010000000", "aigerim", t0, "../"+filepath.Base(secret), nil, 1)
		os.Symlink(secret, filepath.Join(f.dir, "link.wav"))
		_, viaLink := f.record(t, "+77010000000", "aigerim", t0, "link.wav", nil, 1)
		for _, id := range []int64{bad, viaLink} {
			resp, b := f.get(t, fmt.Sprintf("/api/v1/recordings/%d/audio", id), auth.QC, nil)
			if resp.StatusCode != 403 || bytes.Contains(b, []byte("not for you")) {
				t.Errorf("recording %d: %d %s", id, resp.StatusCode, b)
			}
			if as := f.accesses(t, id); len(as) != 1 || as[0].Action != qc.Denied {
				t.Errorf("recording %d audit %+v", id, as)
			}
		}
	})

	t.Run("supervisors read the audit", func(t *testing.T) {
		var body struct{ Accesses []qc.Access }
		resp, b := f.get(t, fmt.Sprintf("/api/v1/recordings/%d/access", rec), auth.Supervisor, nil)
		json.Unmarshal(b, &body)
		if resp.StatusCode != 200 || len(body.Accesses) != 5 {
			t.Fatalf("access list = %d: %s", resp.StatusCode, b)
		}
		if resp, _ := f.get(t, fmt.Sprintf("/api/v1/recordings/%d/access", rec), auth.QC, nil); resp.StatusCode != 403 {
			t.Errorf("qc reads the audit: %d", resp.StatusCode)
		}
		resp, b = f.get(t, fmt.Sprintf("/api/v1/recordings/access?token_id=%d", f.ids[auth.QC]), auth.Admin, nil)
		json.Unmarshal(b, &body)
		if resp.StatusCode != 200 || len(body.Accesses) != 3 { // one listen, two traversal denials
			t.Fatalf("by principal = %d: %s", resp.StatusCode, b)
		}
	})
}
