package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/staffing/roster"
	"github.com/ikomek/ikomek/internal/testenv"
)

// newAvailabilityFixture is an API server with the availability endpoints,
// operators aigerim and bolat, tokens of every role and aigerim's operator token.
func newAvailabilityFixture(t *testing.T) *opsFixture {
	t.Helper()
	ctx := context.Background()
	f := &opsFixture{db: testenv.Postgres(t), tokens: map[auth.Role]string{}}
	s := &httpapi.Server{Tokens: f.db.Tokens(), Calls: f.db.Calls(), Operators: f.db.Operators(), Availability: f.db.Availability()}
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	for _, r := range auth.Roles {
		_, secret, err := f.db.Tokens().Create(ctx, "test "+string(r), r, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = secret
	}
	_, secret, err := f.db.Tokens().Create(ctx, "aigerim's console", auth.Operator, "aigerim", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.aigerim = secret
	for _, login := range []string{"aigerim", "bolat"} {
		if _, err := f.db.Operators().Create(ctx, operators.NewOperator{Login: login, FullName: login,
			Languages: []string{"ru"}, SIPPassword: login + "-password"}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestAvailabilityAPI(t *testing.T) {
	f := newAvailabilityFixture(t)
	sup := f.tokens[auth.Supervisor]
	const week = "from=2026-11-30T00:00:00%2B05:00&to=2026-12-07T00:00:00%2B05:00"
	list := func(t *testing.T, login, token string) []httpapi.AvailabilityJSON {
		t.Helper()
		var out []httpapi.AvailabilityJSON
		if status, body := f.call(t, "GET", "/api/v1/operators/"+login+"/availability?"+week, token, "", &out); status != 200 {
			t.Fatalf("list = %d %s", status, body)
		}
		return out
	}

	var dayOff, request httpapi.AvailabilityJSON
	t.Run("a supervisor adds a day off and a request", func(t *testing.T) {
		status, body := f.call(t, "POST", "/api/v1/operators/aigerim/availability", sup,
			`{"kind":"day_off","date":"2026-12-02","reason":"family"}`, &dayOff)
		if status != 201 || dayOff.ID == 0 || dayOff.Operator != "aigerim" || dayOff.Kind != roster.DayOff ||
			dayOff.Date != "2026-12-02" || dayOff.From != nil || dayOff.Reason != "family" ||
			!strings.HasPrefix(dayOff.CreatedBy, "supervisor:test supervisor") || dayOff.CreatedAt.IsZero() {
			t.Fatalf("add day off = %d %s", status, body)
		}
		status, body = f.call(t, "POST", "/api/v1/operators/aigerim/availability", f.tokens[auth.Admin],
			`{"kind":"unavailable","from":"2026-12-04T10:00:00+05:00","to":"2026-12-04T12:00:00+05:00","reason":"doctor"}`, &request)
		if status != 201 || request.Kind != roster.Unavailable || request.Date != "" || request.From == nil ||
			!request.From.Equal(time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)) || !request.To.Equal(time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC)) {
			t.Fatalf("add request = %d %s", status, body)
		}
		got := list(t, "aigerim", sup)
		if len(got) != 2 || got[0].ID != dayOff.ID || got[1].ID != request.ID {
			t.Fatalf("listed %+v", got)
		}
	})

	t.Run("an operator reads their own availability only", func(t *testing.T) {
		if got := list(t, "aigerim", f.aigerim); len(got) != 2 {
			t.Fatalf("aigerim sees %+v", got)
		}
		status, body := f.call(t, "GET", "/api/v1/operators/bolat/availability?"+week, f.aigerim, "", nil)
		wantOpsError(t, status, body, 403, "forbidden")
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		for name, tc := range map[string]struct {
			login, token, body string
			status             int
			code               string
		}{
			"to before from":  {"aigerim", sup, `{"kind":"unavailable","from":"2026-12-04T12:00:00+05:00","to":"2026-12-04T10:00:00+05:00"}`, 400, "invalid"},
			"to equals from":  {"aigerim", sup, `{"kind":"unavailable","from":"2026-12-04T12:00:00+05:00","to":"2026-12-04T12:00:00+05:00"}`, 400, "invalid"},
			"no to":           {"aigerim", sup, `{"kind":"unavailable","from":"2026-12-04T12:00:00+05:00"}`, 400, "invalid"},
			"bad time":        {"aigerim", sup, `{"kind":"unavailable","from":"tomorrow","to":"2026-12-04T12:00:00+05:00"}`, 400, "invalid"},
			"bad date":        {"aigerim", sup, `{"kind":"day_off","date":"2026-02-30"}`, 400, "invalid"},
			"dotted date":     {"aigerim", sup, `{"kind":"day_off","date":"02.12.2026"}`, 400, "invalid"},
			"day off span":    {"aigerim", sup, `{"kind":"day_off","date":"2026-12-03","from":"2026-12-04T10:00:00+05:00"}`, 400, "invalid"},
			"unknown kind":    {"aigerim", sup, `{"kind":"vacation","date":"2026-12-03"}`, 400, "invalid"},
			"unknown field":   {"aigerim", sup, `{"kind":"day_off","date":"2026-12-03","approved":true}`, 400, "invalid"},
			"duplicate":       {"aigerim", sup, `{"kind":"day_off","date":"2026-12-02"}`, 409, "conflict"},
			"unknown login":   {"nobody", sup, `{"kind":"day_off","date":"2026-12-03"}`, 404, "not_found"},
			"another's login": {"bolat", f.aigerim, `{"kind":"day_off","date":"2026-12-03"}`, 403, "forbidden"},
			"qc role":         {"aigerim", f.tokens[auth.QC], `{"kind":"day_off","date":"2026-12-03"}`, 403, "forbidden"},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.call(t, "POST", "/api/v1/operators/"+tc.login+"/availability", tc.token, tc.body, nil)
				wantOpsError(t, status, body, tc.status, tc.code)
				if tc.status == 400 && !strings.Contains(body, `"message"`) {
					t.Errorf("no message: %s", body)
				}
			})
		}
		if got := list(t, "aigerim", sup); len(got) != 2 {
			t.Fatalf("entries after refused requests %+v", got)
		}
		status, body := f.call(t, "GET", "/api/v1/operators/aigerim/availability?from=2026-12-07T00:00:00Z&to=2026-11-30T00:00:00Z", sup, "", nil)
		wantOpsError(t, status, body, 400, "invalid")
		status, body = f.call(t, "GET", "/api/v1/operators/nobody/availability", sup, "", nil)
		wantOpsError(t, status, body, 404, "not_found")
	})

	t.Run("remove", func(t *testing.T) {
		for name, tc := range map[string]struct {
			path, token string
			status      int
			code        string
		}{
			"operator role":    {fmt.Sprintf("/api/v1/operators/aigerim/availability/%d", dayOff.ID), f.aigerim, 403, "forbidden"},
			"another operator": {fmt.Sprintf("/api/v1/operators/bolat/availability/%d", dayOff.ID), sup, 404, "not_found"},
			"bad id":           {"/api/v1/operators/aigerim/availability/x", sup, 400, "invalid"},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.call(t, "DELETE", tc.path, tc.token, "", nil)
				wantOpsError(t, status, body, tc.status, tc.code)
			})
		}
		path := fmt.Sprintf("/api/v1/operators/aigerim/availability/%d", dayOff.ID)
		if status, body := f.call(t, "DELETE", path, sup, "", nil); status != 204 {
			t.Fatalf("delete = %d %s", status, body)
		}
		if got := list(t, "aigerim", sup); len(got) != 1 || got[0].ID != request.ID {
			t.Fatalf("after delete %+v", got)
		}
		status, body := f.call(t, "DELETE", path, sup, "", nil)
		wantOpsError(t, status, body, 404, "not_found")
	})

	t.Run("an operator asks, a supervisor decides", func(t *testing.T) {
		var asked, other httpapi.AvailabilityJSON
		status, body := f.call(t, "POST", "/api/v1/operators/aigerim/availability", f.aigerim,
			`{"kind":"day_off","date":"2026-12-05","reason":"wedding"}`, &asked)
		if status != 201 || asked.Status != roster.Pending || asked.DecidedAt != nil ||
			!strings.HasPrefix(asked.CreatedBy, "operator:aigerim's console") {
			t.Fatalf("operator's own day off = %d %s", status, body)
		}
		if status, body := f.call(t, "POST", "/api/v1/operators/aigerim/availability", f.aigerim,
			`{"kind":"unavailable","from":"2026-12-06T08:00:00+05:00","to":"2026-12-06T12:00:00+05:00"}`, &other); status != 201 ||
			other.Status != roster.Pending {
			t.Fatalf("operator's own request = %d %s", status, body)
		}
		decide := func(id int64) string { return fmt.Sprintf("/api/v1/operators/aigerim/availability/%d/decision", id) }
		for name, tc := range map[string]struct {
			path, token, body string
			status            int
			code              string
		}{
			"by the operator":  {decide(asked.ID), f.aigerim, `{"approve":true}`, 403, "forbidden"},
			"no decision":      {decide(asked.ID), sup, `{"note":"?"}`, 400, "invalid"},
			"not pending":      {decide(request.ID), sup, `{"approve":false}`, 409, "conflict"},
			"unknown entry":    {decide(999999), sup, `{"approve":true}`, 404, "not_found"},
			"another operator": {fmt.Sprintf("/api/v1/operators/bolat/availability/%d/decision", asked.ID), sup, `{"approve":true}`, 404, "not_found"},
			"note too long":    {decide(asked.ID), sup, `{"approve":true,"note":"` + strings.Repeat("я", 501) + `"}`, 400, "invalid"},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.call(t, "POST", tc.path, tc.token, tc.body, nil)
				wantOpsError(t, status, body, tc.status, tc.code)
			})
		}
		var got httpapi.AvailabilityJSON
		if status, body := f.call(t, "POST", decide(asked.ID), sup, `{"approve":true,"note":"enjoy"}`, &got); status != 200 ||
			got.Status != roster.Approved || got.DecidedAt == nil || got.Note != "enjoy" ||
			!strings.HasPrefix(got.DecidedBy, "supervisor:") {
			t.Fatalf("approve = %d %s", status, body)
		}
		if status, body := f.call(t, "POST", decide(other.ID), sup, `{"approve":false,"note":"peak day"}`, &got); status != 200 ||
			got.Status != roster.Declined {
			t.Fatalf("decline = %d %s", status, body)
		}
		status, body = f.call(t, "POST", decide(asked.ID), sup, `{"approve":false}`, nil)
		wantOpsError(t, status, body, 409, "conflict")
		statuses := map[int64]roster.Status{}
		for _, e := range list(t, "aigerim", f.aigerim) {
			statuses[e.ID] = e.Status
		}
		if statuses[asked.ID] != roster.Approved || statuses[other.ID] != roster.Declined || statuses[request.ID] != roster.Approved {
			t.Fatalf("statuses %v", statuses)
		}
	})
}

func TestWorkRulesAPI(t *testing.T) {
	f := newAvailabilityFixture(t)
	sup := f.tokens[auth.Supervisor]
	var r httpapi.WorkRulesJSON
	if status, body := f.call(t, "GET", "/api/v1/operators/aigerim/work-rules", sup, "", &r); status != 200 ||
		r.Operator != "aigerim" || r.MaxHoursPerWeek != nil || len(r.PreferStarts) != 0 || r.UpdatedAt != nil ||
		!strings.Contains(body, `"max_hours_per_week":null`) || !strings.Contains(body, `"prefer_starts":[]`) {
		t.Fatalf("rules never set = %d %s", status, body)
	}

	status, body := f.call(t, "PUT", "/api/v1/operators/aigerim/work-rules", sup,
		`{"max_hours_per_week":16,"prefer_starts":["20:00","08:00"],"prefer_days":["Sunday","mon","TUE"],"avoid_nights":true}`, &r)
	if status != 200 || r.MaxHoursPerWeek == nil || *r.MaxHoursPerWeek != 16 || !r.AvoidNights ||
		!slices.Equal(r.PreferStarts, []string{"08:00", "20:00"}) || !slices.Equal(r.PreferDays, []string{"mon", "tue", "sun"}) ||
		r.UpdatedAt == nil || !strings.HasPrefix(r.UpdatedBy, "supervisor:") {
		t.Fatalf("put = %d %s", status, body)
	}
	stored, err := f.db.Availability().WorkRules(context.Background(), "aigerim")
	if err != nil || stored.MaxHours == nil || *stored.MaxHours != 16 {
		t.Fatalf("stored %+v %v", stored, err)
	}

	t.Run("an operator reads their own rules only and changes none", func(t *testing.T) {
		var own httpapi.WorkRulesJSON
		if status, body := f.call(t, "GET", "/api/v1/operators/aigerim/work-rules", f.aigerim, "", &own); status != 200 || *own.MaxHoursPerWeek != 16 {
			t.Fatalf("own rules = %d %s", status, body)
		}
		status, body := f.call(t, "GET", "/api/v1/operators/bolat/work-rules", f.aigerim, "", nil)
		wantOpsError(t, status, body, 403, "forbidden")
		status, body = f.call(t, "PUT", "/api/v1/operators/aigerim/work-rules", f.aigerim, `{"max_hours_per_week":60}`, nil)
		wantOpsError(t, status, body, 403, "forbidden")
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		for name, tc := range map[string]struct {
			login, body string
			status      int
			code        string
		}{
			"zero hours":      {"aigerim", `{"max_hours_per_week":0}`, 400, "invalid"},
			"negative hours":  {"aigerim", `{"max_hours_per_week":-8}`, 400, "invalid"},
			"over a week":     {"aigerim", `{"max_hours_per_week":200}`, 400, "invalid"},
			"bad start":       {"aigerim", `{"prefer_starts":["25:00"]}`, 400, "invalid"},
			"bad weekday":     {"aigerim", `{"prefer_days":["someday"]}`, 400, "invalid"},
			"unknown field":   {"aigerim", `{"max_hours":16}`, 400, "invalid"},
			"another login":   {"aigerim", `{"operator":"bolat"}`, 400, "invalid"},
			"server's fields": {"aigerim", `{"updated_by":"me"}`, 400, "invalid"},
			"unknown login":   {"nobody", `{"max_hours_per_week":16}`, 404, "not_found"},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.call(t, "PUT", "/api/v1/operators/"+tc.login+"/work-rules", sup, tc.body, nil)
				wantOpsError(t, status, body, tc.status, tc.code)
			})
		}
		after, err := f.db.Availability().WorkRules(context.Background(), "aigerim")
		if err != nil || *after.MaxHours != 16 || !after.AvoidNights || len(after.Starts) != 2 || len(after.Days) != 3 {
			t.Fatalf("rules after refused requests %+v %v", after, err)
		}
	})

	t.Run("put replaces: a null cap clears it", func(t *testing.T) {
		var r httpapi.WorkRulesJSON
		if status, body := f.call(t, "PUT", "/api/v1/operators/aigerim/work-rules", sup, `{"max_hours_per_week":null}`, &r); status != 200 ||
			r.MaxHoursPerWeek != nil || r.AvoidNights || len(r.PreferStarts) != 0 {
			t.Fatalf("put = %d %s", status, body)
		}
	})
}
