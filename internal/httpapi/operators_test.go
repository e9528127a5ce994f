package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
)

// fakePresence is an in-memory operators.Presence following the interface contract.
type fakePresence struct {
	mu   sync.Mutex
	live map[string]operators.Live
}

func newFakePresence() *fakePresence { return &fakePresence{live: map[string]operators.Live{}} }

func (f *fakePresence) get(login string) operators.Live {
	if l, ok := f.live[login]; ok {
		return l
	}
	return operators.Live{Login: login, State: operators.Offline}
}

func (f *fakePresence) set(login string, st operators.State, reason string) {
	l := f.get(login)
	l.State, l.Reason, l.Since = st, reason, time.Now()
	f.live[login] = l
}

func (f *fakePresence) Login(ctx context.Context, login string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.get(login).State != operators.Offline {
		return apperr.Errorf(apperr.Conflict, "%s is already logged in", login)
	}
	f.set(login, operators.Available, "")
	return nil
}

func (f *fakePresence) Logout(ctx context.Context, login string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st := f.get(login).State; st == operators.OnCall || st == operators.Ringing {
		return apperr.Errorf(apperr.Conflict, "%s is on a call", login)
	}
	f.set(login, operators.Offline, "")
	return nil
}

func (f *fakePresence) Pause(ctx context.Context, login, reason string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.get(login).State == operators.Offline {
		return apperr.Errorf(apperr.Conflict, "%s is not logged in", login)
	}
	f.set(login, operators.Paused, reason)
	return nil
}

func (f *fakePresence) Resume(ctx context.Context, login string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.get(login).State != operators.Paused {
		return apperr.Errorf(apperr.Conflict, "%s is not paused", login)
	}
	f.set(login, operators.Available, "")
	return nil
}

func (f *fakePresence) Live(ctx context.Context, login string) (operators.Live, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(login), nil
}

func (f *fakePresence) LiveAll(ctx context.Context) ([]operators.Live, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []operators.Live
	for _, l := range f.live {
		out = append(out, l)
	}
	return out, nil
}

// opsFixture is an API server with operators on a fresh database, tokens of every
// role, and operator tokens for "aigerim" and "bolat".
type opsFixture struct {
	srv       *httptest.Server
	db        *postgres.DB
	presence  *fakePresence
	tokens    map[auth.Role]string
	aigerim   string // operator token of aigerim
	bolat     string // operator token of bolat
	provision struct {
		sync.Mutex
		calls int
		err   error
	}
}

func newOpsFixture(t *testing.T) *opsFixture {
	t.Helper()
	ctx := context.Background()
	f := &opsFixture{db: testenv.Postgres(t), presence: newFakePresence(), tokens: map[auth.Role]string{}}
	s := &httpapi.Server{Tokens: f.db.Tokens(), Calls: f.db.Calls(), Operators: f.db.Operators(), Presence: f.presence,
		Provision: func(ctx context.Context) error {
			f.provision.Lock()
			defer f.provision.Unlock()
			f.provision.calls++
			return f.provision.err
		}}
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	for _, r := range auth.Roles {
		_, secret, err := f.db.Tokens().Create(ctx, "test "+string(r), r, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = secret
	}
	for login, tok := range map[string]*string{"aigerim": &f.aigerim, "bolat": &f.bolat} {
		_, secret, err := f.db.Tokens().Create(ctx, login+"'s console", auth.Operator, login, nil)
		if err != nil {
			t.Fatal(err)
		}
		*tok = secret
		if _, err := f.db.Operators().Create(ctx, operators.NewOperator{Login: login, FullName: strings.ToUpper(login[:1]) + login[1:],
			Languages: []string{"ru", "kk"}, SIPPassword: login + "-password"}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *opsFixture) provisionCalls() int {
	f.provision.Lock()
	defer f.provision.Unlock()
	n := f.provision.calls
	f.provision.calls = 0
	return n
}

// call sends a request and decodes the JSON reply into out (when not nil); it
// returns the status and the raw body.
func (f *opsFixture) call(t *testing.T, method, path, token, body string, out any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: reply %s: %v", method, path, b, err)
		}
	}
	// No SIP secret ever leaves the server, hashed or not.
	for _, secret := range []string{"password", "md5", "realm", "cred"} {
		if strings.Contains(strings.ToLower(string(b)), secret) && !strings.Contains(string(b), `"error"`) {
			t.Errorf("%s %s: reply mentions %q: %s", method, path, secret, b)
		}
	}
	return resp.StatusCode, string(b)
}

// wantOpsError checks an error reply's status and code.
func wantOpsError(t *testing.T, status int, body string, wantStatus int, wantCode string) {
	t.Helper()
	var e httpapi.ErrorBody
	json.Unmarshal([]byte(body), &e)
	if status != wantStatus || e.Error.Code != wantCode {
		t.Errorf("reply %d %s, want %d %s", status, body, wantStatus, wantCode)
	}
}

func (f *opsFixture) operator(t *testing.T, login string) operators.Operator {
	t.Helper()
	o, err := f.db.Operators().Get(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOperatorsAPI(t *testing.T) {
	f := newOpsFixture(t)
	sup, admin := f.tokens[auth.Supervisor], f.tokens[auth.Admin]

	t.Run("create", func(t *testing.T) {
		var o httpapi.OperatorJSON
		status, body := f.call(t, "POST", "/api/v1/operators", sup,
			`{"login":"dana","full_name":"Dana N.","languages":["kk"],"lines":["109","556655"],"sip_password":"dana-secret-1"}`, &o)
		if status != 201 || o.Login != "dana" || o.FullName != "Dana N." || !slices.Equal(o.Languages, []string{"kk"}) ||
			!slices.Equal(o.Lines, []string{"109", "556655"}) || !o.Active || o.ID == 0 || o.Warning != "" {
			t.Fatalf("create = %d %s", status, body)
		}
		if strings.Contains(body, "dana-secret-1") {
			t.Fatal("the password is in the reply")
		}
		if n := f.provisionCalls(); n != 1 {
			t.Fatalf("Provision called %d times, want 1", n)
		}
		status, body = f.call(t, "POST", "/api/v1/operators", admin,
			`{"login":"erlan","full_name":"Erlan","languages":["ru"],"sip_password":"erlan-secret"}`, &o)
		if status != 201 || !slices.Equal(o.Lines, []string{"109"}) {
			t.Fatalf("create as admin = %d %s", status, body)
		}
		f.provisionCalls()
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		before, _ := f.db.Operators().List(context.Background(), true)
		for name, tc := range map[string]struct {
			token, body string
			status      int
			code        string
		}{
			"unknown language": {sup, `{"login":"x1","full_name":"X","languages":["en"],"sip_password":"12345678"}`, 400, "invalid"},
			"no language":      {sup, `{"login":"x1","full_name":"X","languages":[],"sip_password":"12345678"}`, 400, "invalid"},
			"unknown line":     {sup, `{"login":"x1","full_name":"X","languages":["ru"],"lines":["112"],"sip_password":"12345678"}`, 400, "invalid"},
			"short password":   {sup, `{"login":"x1","full_name":"X","languages":["ru"],"sip_password":"1234567"}`, 400, "invalid"},
			"bad login":        {sup, `{"login":"x 1","full_name":"X","languages":["ru"],"sip_password":"12345678"}`, 400, "invalid"},
			"reserved login":   {sup, `{"login":"live","full_name":"X","languages":["ru"],"sip_password":"12345678"}`, 400, "invalid"},
			"empty name":       {sup, `{"login":"x1","full_name":"","languages":["ru"],"sip_password":"12345678"}`, 400, "invalid"},
			"unknown field":    {sup, `{"login":"x1","full_name":"X","languages":["ru"],"sip_password":"12345678","admin":true}`, 400, "invalid"},
			"bad JSON":         {sup, `{"login":`, 400, "invalid"},
			"duplicate login":  {sup, `{"login":"dana","full_name":"X","languages":["ru"],"sip_password":"12345678"}`, 409, "conflict"},
			"operator role":    {f.aigerim, `{"login":"x1","full_name":"X","languages":["ru"],"sip_password":"12345678"}`, 403, "forbidden"},
			"qc role":          {f.tokens[auth.QC], `{"login":"x1","full_name":"X","languages":["ru"],"sip_password":"12345678"}`, 403, "forbidden"},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.call(t, "POST", "/api/v1/operators", tc.token, tc.body, nil)
				wantOpsError(t, status, body, tc.status, tc.code)
			})
		}
		after, _ := f.db.Operators().List(context.Background(), true)
		if len(after) != len(before) {
			t.Fatalf("%d operators after refused requests, want %d", len(after), len(before))
		}
		if n := f.provisionCalls(); n != 0 {
			t.Fatalf("Provision called %d times for refused requests", n)
		}
	})

	t.Run("get and list", func(t *testing.T) {
		var o httpapi.OperatorJSON
		if status, body := f.call(t, "GET", "/api/v1/operators/dana", sup, "", &o); status != 200 || o.Login != "dana" {
			t.Fatalf("get = %d %s", status, body)
		}
		if status, body := f.call(t, "GET", "/api/v1/operators/aigerim", f.aigerim, "", &o); status != 200 || o.Login != "aigerim" {
			t.Fatalf("an operator reading themselves = %d %s", status, body)
		}
		status, body := f.call(t, "GET", "/api/v1/operators/dana", f.aigerim, "", nil)
		wantOpsError(t, status, body, 403, "forbidden")
		status, body = f.call(t, "GET", "/api/v1/operators/nobody", sup, "", nil)
		wantOpsError(t, status, body, 404, "not_found")
		var list []httpapi.OperatorJSON
		if status, body := f.call(t, "GET", "/api/v1/operators", sup, "", &list); status != 200 || len(list) != 4 || list[0].Login != "aigerim" {
			t.Fatalf("list = %d %s", status, body)
		}
		status, body = f.call(t, "GET", "/api/v1/operators?inactive=maybe", sup, "", nil)
		wantOpsError(t, status, body, 400, "invalid")
		status, body = f.call(t, "GET", "/api/v1/operators", f.aigerim, "", nil)
		wantOpsError(t, status, body, 403, "forbidden")
	})

	t.Run("patch", func(t *testing.T) {
		before := f.operator(t, "dana")
		var o httpapi.OperatorJSON
		status, body := f.call(t, "PATCH", "/api/v1/operators/dana", sup,
			`{"full_name":"Dana Nurlanovna","languages":["ru","kk"],"sip_password":"dana-secret-2"}`, &o)
		if status != 200 || o.FullName != "Dana Nurlanovna" || !slices.Equal(o.Languages, []string{"ru", "kk"}) ||
			!slices.Equal(o.Lines, []string{"109", "556655"}) || o.Warning != "" {
			t.Fatalf("patch = %d %s", status, body)
		}
		if n := f.provisionCalls(); n != 1 {
			t.Fatalf("Provision called %d times, want 1", n)
		}
		for name, tc := range map[string]struct {
			token, path, body string
			status            int
			code              string
		}{
			"unknown language": {sup, "/api/v1/operators/dana", `{"languages":["en"]}`, 400, "invalid"},
			"short password":   {sup, "/api/v1/operators/dana", `{"sip_password":"short","active":false}`, 400, "invalid"},
			"empty name":       {sup, "/api/v1/operators/dana", `{"full_name":" "}`, 400, "invalid"},
			"login is fixed":   {sup, "/api/v1/operators/dana", `{"login":"dana2"}`, 400, "invalid"},
			"bad active":       {sup, "/api/v1/operators/dana", `{"active":"no"}`, 400, "invalid"},
			"unknown operator": {sup, "/api/v1/operators/nobody", `{"full_name":"X"}`, 404, "not_found"},
			"operator role":    {f.aigerim, "/api/v1/operators/aigerim", `{"full_name":"X"}`, 403, "forbidden"},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := f.call(t, "PATCH", tc.path, tc.token, tc.body, nil)
				wantOpsError(t, status, body, tc.status, tc.code)
			})
		}
		after := f.operator(t, "dana")
		if after.FullName != "Dana Nurlanovna" || !after.Active || !after.UpdatedAt.After(before.UpdatedAt) {
			t.Fatalf("after refused patches: %+v", after)
		}
		if n := f.provisionCalls(); n != 0 {
			t.Fatalf("Provision called %d times for refused patches", n)
		}
	})

	t.Run("a provisioning failure is a warning; the change stands", func(t *testing.T) {
		f.provision.Lock()
		f.provision.err = errors.New("ari: connection refused")
		f.provision.Unlock()
		defer func() {
			f.provision.Lock()
			f.provision.err = nil
			f.provision.Unlock()
		}()
		var o httpapi.OperatorJSON
		status, body := f.call(t, "PATCH", "/api/v1/operators/erlan", sup, `{"active":false}`, &o)
		if status != 200 || o.Active || o.Warning == "" || strings.Contains(o.Warning, "connection refused") {
			t.Fatalf("patch = %d %s", status, body)
		}
		if f.operator(t, "erlan").Active {
			t.Fatal("the change was not saved")
		}
		f.provisionCalls()
		var list []httpapi.OperatorJSON
		f.call(t, "GET", "/api/v1/operators", sup, "", &list)
		if len(list) != 3 || slices.ContainsFunc(list, func(o httpapi.OperatorJSON) bool { return o.Login == "erlan" }) {
			t.Fatalf("active list = %+v", list)
		}
		f.call(t, "GET", "/api/v1/operators?inactive=true", sup, "", &list)
		if len(list) != 4 {
			t.Fatalf("full list = %+v", list)
		}
	})
}

func TestOperatorConsoleAPI(t *testing.T) {
	f := newOpsFixture(t)
	sup := f.tokens[auth.Supervisor]
	state := func(t *testing.T, login string) operators.Live {
		t.Helper()
		l, _ := f.presence.Live(context.Background(), login)
		return l
	}

	t.Run("an operator logs in, pauses, resumes and logs out", func(t *testing.T) {
		var l operators.Live
		if status, body := f.call(t, "POST", "/api/v1/operators/aigerim/login", f.aigerim, "", &l); status != 200 || l.State != operators.Available {
			t.Fatalf("login = %d %s", status, body)
		}
		status, body := f.call(t, "POST", "/api/v1/operators/aigerim/login", f.aigerim, "", nil)
		wantOpsError(t, status, body, 409, "conflict")
		if status, body := f.call(t, "POST", "/api/v1/operators/aigerim/pause", f.aigerim, `{"reason":"lunch"}`, &l); status != 200 ||
			l.State != operators.Paused || l.Reason != "lunch" {
			t.Fatalf("pause = %d %s", status, body)
		}
		if status, body := f.call(t, "GET", "/api/v1/operators/aigerim/live", f.aigerim, "", &l); status != 200 || l.State != operators.Paused {
			t.Fatalf("live = %d %s", status, body)
		}
		if status, body := f.call(t, "POST", "/api/v1/operators/aigerim/resume", f.aigerim, "", &l); status != 200 || l.State != operators.Available {
			t.Fatalf("resume = %d %s", status, body)
		}
		if status, body := f.call(t, "POST", "/api/v1/operators/aigerim/logout", f.aigerim, "", &l); status != 200 || l.State != operators.Offline {
			t.Fatalf("logout = %d %s", status, body)
		}
	})

	t.Run("an operator may not act for another", func(t *testing.T) {
		for _, tc := range []struct{ method, path, body string }{
			{"POST", "/api/v1/operators/bolat/login", ""},
			{"POST", "/api/v1/operators/bolat/logout", ""},
			{"POST", "/api/v1/operators/bolat/pause", `{"reason":"break"}`},
			{"POST", "/api/v1/operators/bolat/resume", ""},
			{"GET", "/api/v1/operators/bolat/live", ""},
			{"GET", "/api/v1/operators/live", ""},
			{"GET", "/api/v1/operators/bolat/states", ""},
		} {
			status, body := f.call(t, tc.method, tc.path, f.aigerim, tc.body, nil)
			wantOpsError(t, status, body, 403, "forbidden")
		}
		if st := state(t, "bolat"); st.State != operators.Offline {
			t.Fatalf("bolat after refused requests: %+v", st)
		}
		// A QC reviewer is no console user.
		status, body := f.call(t, "POST", "/api/v1/operators/bolat/login", f.tokens[auth.QC], "", nil)
		wantOpsError(t, status, body, 403, "forbidden")
	})

	t.Run("a supervisor acts for anyone", func(t *testing.T) {
		var l operators.Live
		if status, body := f.call(t, "POST", "/api/v1/operators/bolat/login", sup, "", &l); status != 200 || l.State != operators.Available {
			t.Fatalf("login = %d %s", status, body)
		}
		if status, body := f.call(t, "POST", "/api/v1/operators/bolat/pause", sup, `{"reason":"training"}`, &l); status != 200 || l.Reason != "training" {
			t.Fatalf("pause = %d %s", status, body)
		}
		var all []operators.Live
		if status, body := f.call(t, "GET", "/api/v1/operators/live", sup, "", &all); status != 200 || len(all) != 2 ||
			all[0].Login != "aigerim" || all[1].Login != "bolat" || all[1].State != operators.Paused {
			t.Fatalf("live = %d %s", status, body)
		}
	})

	t.Run("bad input is refused and changes nothing", func(t *testing.T) {
		f.call(t, "POST", "/api/v1/operators/aigerim/login", f.aigerim, "", nil)
		for name, body := range map[string]string{
			"unknown reason": `{"reason":"nap"}`,
			"no reason":      `{}`,
			"no body":        ``,
			"unknown field":  `{"reason":"break","minutes":5}`,
		} {
			status, reply := f.call(t, "POST", "/api/v1/operators/aigerim/pause", f.aigerim, body, nil)
			if status != 400 {
				t.Errorf("%s: %d %s, want 400", name, status, reply)
			}
		}
		if st := state(t, "aigerim"); st.State != operators.Available {
			t.Fatalf("after refused pauses: %+v", st)
		}
		status, body := f.call(t, "POST", "/api/v1/operators/aigerim/resume", f.aigerim, "", nil)
		wantOpsError(t, status, body, 409, "conflict")
	})

	t.Run("unknown and disabled operators", func(t *testing.T) {
		status, body := f.call(t, "POST", "/api/v1/operators/nobody/login", sup, "", nil)
		wantOpsError(t, status, body, 404, "not_found")
		status, body = f.call(t, "GET", "/api/v1/operators/nobody/live", sup, "", nil)
		wantOpsError(t, status, body, 404, "not_found")
		if _, err := f.db.Operators().Update(context.Background(), "bolat", operators.Patch{Active: new(bool)}); err != nil {
			t.Fatal(err)
		}
		f.call(t, "POST", "/api/v1/operators/bolat/logout", sup, "", nil)
		status, body = f.call(t, "POST", "/api/v1/operators/bolat/login", f.bolat, "", nil)
		wantOpsError(t, status, body, 409, "conflict")
		if st := state(t, "bolat"); st.State != operators.Offline {
			t.Fatalf("a disabled operator logged in: %+v", st)
		}
	})
}

func TestOperatorStatesAPI(t *testing.T) {
	f := newOpsFixture(t)
	ctx := context.Background()
	sup := f.tokens[auth.Supervisor]
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for i, to := range []operators.State{operators.Available, operators.Paused, operators.Available, operators.Offline} {
		from := operators.Offline
		if i > 0 {
			from = []operators.State{operators.Available, operators.Paused, operators.Available}[i-1]
		}
		reason := ""
		if to == operators.Paused {
			reason = "break"
		}
		if err := f.db.Operators().RecordState(ctx, operators.StateChange{Login: "aigerim", At: t0.Add(time.Duration(i) * time.Hour),
			From: from, To: to, Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}

	var got []httpapi.StateChangeJSON
	status, body := f.call(t, "GET", "/api/v1/operators/aigerim/states?from=2026-03-02T13:00:00%2B05:00&to=2026-03-02T10:00:00Z", sup, "", &got)
	if status != 200 || len(got) != 2 || got[0].To != operators.Available || got[1].To != operators.Paused || got[1].Reason != "break" {
		t.Fatalf("states = %d %s", status, body)
	}
	if status, body := f.call(t, "GET", "/api/v1/operators/aigerim/states", sup, "", &got); status != 200 || len(got) != 0 {
		t.Fatalf("states of the last day = %d %s", status, body)
	}
	for name, q := range map[string]string{
		"not RFC 3339":    "?from=2026-03-02&to=2026-03-03T00:00:00Z",
		"garbage":         "?to=yesterday",
		"from after to":   "?from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z",
		"empty period":    "?from=2026-03-02T00:00:00Z&to=2026-03-02T00:00:00Z",
		"too long period": "?from=2026-01-01T00:00:00Z&to=2026-03-03T00:00:00Z",
	} {
		status, body := f.call(t, "GET", "/api/v1/operators/aigerim/states"+q, sup, "", nil)
		if status != 400 {
			t.Errorf("%s: %d %s, want 400", name, status, body)
		}
	}
	status, body = f.call(t, "GET", "/api/v1/operators/nobody/states", sup, "", nil)
	wantOpsError(t, status, body, 404, "not_found")
	status, body = f.call(t, "GET", "/api/v1/operators/aigerim/states", f.aigerim, "", nil)
	wantOpsError(t, status, body, 403, "forbidden")
}

func TestOperatorRoutesNeedAStore(t *testing.T) {
	db := testenv.Postgres(t)
	s := &httpapi.Server{Tokens: db.Tokens(), Calls: db.Calls()}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	_, secret, err := db.Tokens().Create(context.Background(), "admin", auth.Admin, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/operators", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("GET /api/v1/operators without a store = %d, want 404", resp.StatusCode)
	}
}
