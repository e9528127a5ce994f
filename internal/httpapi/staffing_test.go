package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/staffing/live"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

var astana = time.FixedZone("UTC+05:00", 5*3600)

// livePresence is a fixed set of live states.
type livePresence []operators.Live

func (p livePresence) LiveAll(ctx context.Context) ([]operators.Live, error) { return p, nil }

var _ live.Presence = livePresence(nil)

type staffingFixture struct {
	srv    *httptest.Server
	db     *postgres.DB
	tokens map[string]string // role or operator login -> secret
}

func newStaffingFixture(t *testing.T, now time.Time, presence live.Presence) *staffingFixture {
	t.Helper()
	ctx := context.Background()
	f := &staffingFixture{db: testenv.Postgres(t), tokens: map[string]string{}}
	mon := &live.Monitor{Roster: f.db.Staffing(), Presence: presence, History: f.db.Staffing(),
		Interval: 30 * time.Minute, Location: astana, WrapUp: 30 * time.Second, Now: func() time.Time { return now }}
	s := &httpapi.Server{Tokens: f.db.Tokens(), Calls: f.db.Calls(), Roster: f.db.Staffing(), StaffingNow: mon}
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	for _, r := range []auth.Role{auth.Supervisor, auth.QC} {
		_, secret, err := f.db.Tokens().Create(ctx, "test "+string(r), r, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[string(r)] = secret
	}
	_, secret, err := f.db.Tokens().Create(ctx, "aigerim's console", auth.Operator, "aigerim", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["aigerim"] = secret
	return f
}

func (f *staffingFixture) get(t *testing.T, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %s: %v", path, b, err)
		}
	}
	return resp.StatusCode
}

func (f *staffingFixture) call(t *testing.T, arrived time.Time, talk time.Duration) {
	t.Helper()
	var connected, ended any = nil, arrived.Add(time.Minute)
	outcome := "abandoned"
	if talk > 0 {
		c := arrived.Add(10 * time.Second)
		connected, ended, outcome = c, c.Add(talk), "completed"
	}
	if _, err := f.db.Pool.Exec(context.Background(), `INSERT INTO calls
		(asterisk_id, channel_id, line, state, outcome, arrived_at, connected_at, ended_at)
		VALUES ('ast1', $1, '109', 'ended', $2, $3, $4, $5)`,
		"ch-"+testenv.RandomSuffix(12), outcome, arrived, connected, ended); err != nil {
		t.Fatal(err)
	}
}

func at(day time.Time, hour, minute int) time.Time {
	return day.Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
}

func ptr(t time.Time) *time.Time { return &t }

func TestStaffingNow(t *testing.T) {
	monday := time.Date(2026, 11, 30, 0, 0, 0, 0, astana)
	now := at(monday, 8, 10)
	presence := livePresence{
		{Login: "aigerim", State: operators.Offline},
		{Login: "bolat", State: operators.Available, Registered: true},
		{Login: "dana", State: operators.Paused, Reason: "training"},
		{Login: "erlan", State: operators.OnCall},
	}
	f := newStaffingFixture(t, now, presence)
	ctx := context.Background()
	sunday := monday.AddDate(0, 0, -1)
	if _, err := f.db.Staffing().SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: 30, WeekStart: sunday.AddDate(0, 0, -6)},
		[]roster.Assignment{{Login: "night", StartsAt: at(sunday, 20, 0), EndsAt: at(monday, 8, 0)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Staffing().SaveRoster(ctx, roster.StoredPlan{PeriodMinutes: 30, WeekStart: monday}, []roster.Assignment{
		{Login: "aigerim", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0), BreakStartsAt: ptr(at(monday, 8, 0)), BreakEndsAt: ptr(at(monday, 8, 30))},
		{Login: "bolat", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0)},
		{Login: "erlan", StartsAt: at(monday, 6, 0), EndsAt: at(monday, 14, 0)},
		{Login: "farida", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 16, 0)},
		{Login: "gulnar", StartsAt: at(monday, 9, 0), EndsAt: at(monday, 17, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	// History: 4 calls in 08:00-08:30 on each of the two Mondays before.
	for _, w := range []int{1, 2} {
		for i := range 4 {
			f.call(t, at(monday.AddDate(0, 0, -7*w), 8, 5*i+1), 3*time.Minute)
		}
	}
	// Today: two calls so far in the interval, one before it.
	f.call(t, at(monday, 7, 55), time.Minute)
	f.call(t, at(monday, 8, 1), time.Minute)
	f.call(t, at(monday, 8, 9), 0)

	var snap live.Snapshot
	if code := f.get(t, "/api/v1/staffing/now", f.tokens["supervisor"], &snap); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for name, c := range map[string]struct{ got, want []string }{
		"planned":   {snap.Planned, []string{"aigerim", "bolat", "erlan", "farida"}},
		"on break":  {snap.OnBreak, []string{"aigerim"}},
		"logged in": {snap.LoggedIn, []string{"bolat", "dana", "erlan"}},
		"available": {snap.Available, []string{"bolat"}},
		"absent":    {snap.Absent, []string{"farida"}},
		"unplanned": {snap.Unplanned, []string{"dana"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %v, want %v", name, c.got, c.want)
		}
	}
	if !snap.IntervalStart.Equal(at(monday, 8, 0)) || !snap.IntervalEnd.Equal(at(monday, 8, 30)) {
		t.Errorf("interval %v - %v, want 08:00-08:30", snap.IntervalStart, snap.IntervalEnd)
	}
	if snap.ActualCalls != 2 {
		t.Errorf("actual calls %v, want 2", snap.ActualCalls)
	}
	if snap.ForecastCalls == nil || math.Abs(*snap.ForecastCalls-4) > 0.01 {
		t.Errorf("forecast %v (%s), want 4", snap.ForecastCalls, snap.ForecastError)
	}

	t.Run("only supervisors", func(t *testing.T) {
		for _, who := range []string{"aigerim", "qc"} {
			if code := f.get(t, "/api/v1/staffing/now", f.tokens[who], nil); code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", who, code)
			}
		}
	})

	t.Run("without history the forecast is missing, not an error", func(t *testing.T) {
		g := newStaffingFixture(t, now, livePresence{})
		var snap live.Snapshot
		if code := g.get(t, "/api/v1/staffing/now", g.tokens["supervisor"], &snap); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		if snap.ForecastCalls != nil || snap.ForecastError == "" || len(snap.Planned) != 0 || snap.Planned == nil {
			t.Fatalf("snapshot %+v", snap)
		}
	})
}

func TestRosterAPI(t *testing.T) {
	monday := time.Date(2026, 11, 30, 0, 0, 0, 0, astana)
	f := newStaffingFixture(t, monday, livePresence{})
	if _, err := f.db.Staffing().SaveRoster(context.Background(), roster.StoredPlan{PeriodMinutes: 60, WeekStart: monday}, []roster.Assignment{
		{Login: "aigerim", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0)},
		{Login: "bolat", StartsAt: at(monday, 8, 0), EndsAt: at(monday, 20, 0)},
		{Login: "aigerim", StartsAt: at(monday.AddDate(0, 0, 2), 8, 0), EndsAt: at(monday.AddDate(0, 0, 2), 20, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	period := func(extra string) string {
		return fmt.Sprintf("/api/v1/roster?from=%s&to=%s%s", url.QueryEscape(monday.Format(time.RFC3339)),
			url.QueryEscape(monday.AddDate(0, 0, 7).Format(time.RFC3339)), extra)
	}
	logins := func(as []roster.Assignment) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Login)
		}
		return out
	}
	for _, c := range []struct {
		name, who, path string
		status          int
		want            []string
	}{
		{"a supervisor sees everyone", "supervisor", period(""), 200, []string{"aigerim", "bolat", "aigerim"}},
		{"a supervisor filters by operator", "supervisor", period("&operator=bolat"), 200, []string{"bolat"}},
		{"an operator sees only their own", "aigerim", period(""), 200, []string{"aigerim", "aigerim"}},
		{"an operator may name themselves", "aigerim", period("&operator=aigerim"), 200, []string{"aigerim", "aigerim"}},
		{"an operator may not read another's", "aigerim", period("&operator=bolat"), 403, nil},
		{"other roles may not read", "qc", period(""), 403, nil},
		{"a bad time is rejected", "supervisor", "/api/v1/roster?from=monday", 400, nil},
		{"an empty period is rejected", "supervisor", "/api/v1/roster?from=2026-12-01T00:00:00Z&to=2026-11-30T00:00:00Z", 400, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var as []roster.Assignment
			code := f.get(t, c.path, f.tokens[c.who], &as)
			if code != c.status || (c.status == 200 && !slices.Equal(logins(as), c.want)) {
				t.Fatalf("status %d, shifts of %v; want %d, %v", code, logins(as), c.status, c.want)
			}
		})
	}
}
