package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/testenv"
)

type fixture struct {
	srv    *httptest.Server
	tokens map[auth.Role]string
}

func newFixture(t *testing.T, checks map[string]httpapi.Check) *fixture {
	t.Helper()
	db := testenv.Postgres(t)
	reg := prometheus.NewRegistry()
	s := &httpapi.Server{Tokens: db.Tokens(), Calls: db.Calls(), Checks: checks, Gatherer: reg, Registerer: reg}
	f := &fixture{srv: httptest.NewServer(s.Handler()), tokens: map[auth.Role]string{}}
	t.Cleanup(f.srv.Close)
	for _, r := range auth.Roles {
		_, secret, err := db.Tokens().Create(context.Background(), "test "+string(r), r, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r] = secret
	}
	return f
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestAuthAndErrors(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		code                            string
	}{
		{"no token", "GET", "/api/v1/whoami", "", "", 401, "unauthorized"},
		{"garbage token", "GET", "/api/v1/whoami", "nope", "", 401, "unauthorized"},
		{"operator may not list tokens", "GET", "/api/v1/tokens", f.tokens[auth.Operator], "", 403, "forbidden"},
		{"department may not read calls", "GET", "/api/v1/calls/1", f.tokens[auth.Department], "", 403, "forbidden"},
		{"missing call", "GET", "/api/v1/calls/12345", f.tokens[auth.Supervisor], "", 404, "not_found"},
		{"bad call id", "GET", "/api/v1/calls/abc", f.tokens[auth.Supervisor], "", 400, "invalid"},
		{"unknown endpoint", "GET", "/api/v1/nothing", f.tokens[auth.Admin], "", 404, "not_found"},
		{"bad JSON", "POST", "/api/v1/tokens", f.tokens[auth.Admin], "{", 400, "invalid"},
		{"unknown field", "POST", "/api/v1/tokens", f.tokens[auth.Admin], `{"name":"x","role":"qc","x":1}`, 400, "invalid"},
		{"bad role", "POST", "/api/v1/tokens", f.tokens[auth.Admin], `{"name":"x","role":"king"}`, 400, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.do(t, tc.method, tc.path, tc.token, tc.body)
			if status != tc.status || errCode(body) != tc.code {
				t.Fatalf("%s %s = %d %v, want %d %s", tc.method, tc.path, status, body, tc.status, tc.code)
			}
		})
	}
	// Nothing was created by the refused requests: the six fixture tokens only.
	status, _ := f.do(t, "GET", "/api/v1/whoami", f.tokens[auth.Admin], "")
	if status != 200 {
		t.Fatal(status)
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[auth.Admin])
	resp, _ := http.DefaultClient.Do(req)
	var list []map[string]any
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list) != len(auth.Roles) {
		t.Fatalf("%d tokens after refused requests, want %d", len(list), len(auth.Roles))
	}
}

func TestTokenCreatedThroughAPIWorks(t *testing.T) {
	f := newFixture(t, nil)
	status, body := f.do(t, "POST", "/api/v1/tokens", f.tokens[auth.Admin], `{"name":"Housing dept","role":"department","subject":"housing"}`)
	if status != 201 {
		t.Fatalf("create = %d %v", status, body)
	}
	secret, _ := body["secret"].(string)
	status, who := f.do(t, "GET", "/api/v1/whoami", secret, "")
	if status != 200 || who["role"] != "department" || who["subject"] != "housing" {
		t.Fatalf("whoami = %d %v", status, who)
	}
	id := int(body["id"].(float64))
	if status, _ := f.do(t, "DELETE", "/api/v1/tokens/"+itoa(id), f.tokens[auth.Admin], ""); status != 204 {
		t.Fatalf("revoke = %d", status)
	}
	if status, _ := f.do(t, "GET", "/api/v1/whoami", secret, ""); status != 401 {
		t.Fatalf("revoked token still works: %d", status)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestConsoleIsServed(t *testing.T) {
	f := newFixture(t, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("/ = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(f.srv.URL + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("/console/ = %d", resp.StatusCode)
	}
	// Other paths outside the API stay unknown.
	if status, _ := f.do(t, "GET", "/nope", "", ""); status != 404 {
		t.Fatalf("/nope = %d", status)
	}
}

func TestHealthReadinessMetrics(t *testing.T) {
	f := newFixture(t, map[string]httpapi.Check{
		"postgres": func(context.Context) error { return nil },
		"ari":      func(context.Context) error { return errors.New("connecting: connection refused") },
	})
	if status, body := f.do(t, "GET", "/healthz", "", ""); status != 200 || body["status"] != "ok" {
		t.Fatalf("healthz = %d %v", status, body)
	}
	status, body := f.do(t, "GET", "/readyz", "", "")
	if status != 503 || body["postgres"] != "ok" || !strings.Contains(body["ari"].(string), "connection refused") {
		t.Fatalf("readyz = %d %v", status, body)
	}
	resp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `ikomek_http_request_duration_seconds_count{code="5xx",route="GET /readyz"} 1`) {
		t.Fatalf("metrics lack the readyz request:\n%s", b)
	}
}
