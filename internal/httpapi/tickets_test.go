package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/httpapi"
	"github.com/ikomek/ikomek/internal/postgres"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

// ticketFixture is the API over a fresh database with the city catalogue, and a token
// per role plus department tokens for water and roads.
type ticketFixture struct {
	srv    *httptest.Server
	db     *postgres.DB
	tokens map[string]string
}

func newTicketFixture(tb testing.TB) *ticketFixture {
	tb.Helper()
	db := testenv.Postgres(tb)
	ctx := context.Background()
	if _, err := tickets.LoadSeed(ctx, db.Catalog(), db.SLA(), tickets.CitySeed(), tickets.System("setup")); err != nil {
		tb.Fatal(err)
	}
	s := &httpapi.Server{Tokens: db.Tokens(), Calls: db.Calls(), Tickets: db.Tickets(), Catalog: db.Catalog(),
		SLA: db.SLA(), Outbox: db.Outbox()}
	f := &ticketFixture{srv: httptest.NewServer(s.Handler()), db: db, tokens: map[string]string{}}
	tb.Cleanup(f.srv.Close)
	mk := func(key string, role auth.Role, subject string) {
		_, secret, err := db.Tokens().Create(ctx, "test "+key, role, subject, nil)
		if err != nil {
			tb.Fatal(err)
		}
		f.tokens[key] = secret
	}
	for _, r := range auth.Roles {
		mk(string(r), r, "")
	}
	mk("water", auth.Department, "water")
	mk("roads", auth.Department, "roads")
	return f
}

// call sends a JSON request and decodes a JSON answer into out (when not nil).
func (f *ticketFixture) call(tb testing.TB, method, path, token string, body any, out any) int {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[token])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			tb.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

type apiError struct {
	Error struct{ Code, Message string } `json:"error"`
}

func TestOperatorFillsThePhoneTicket(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	var callID int64
	if err := f.db.Pool.QueryRow(ctx, `INSERT INTO calls (asterisk_id, channel_id, line, caller_number, arrived_at)
		VALUES ('ast1', 'ch-9', '109', '+77019876543', now()) RETURNING id`).Scan(&callID); err != nil {
		t.Fatal(err)
	}
	// An earlier ticket of the same caller, registered from the web.
	var earlier httpapi.TicketJSON
	if st := f.call(t, "POST", "/api/v1/tickets", "operator", map[string]any{"channel": "web", "service_code": "pothole",
		"address": "ул. Бейбитшилик, 14", "caller": map[string]string{"phone": "8 701 987 65 43"}}, &earlier); st != 201 {
		t.Fatalf("create = %d", st)
	}
	tk, _, err := f.db.Tickets().CreateForCall(ctx, tickets.CallTicket{CallID: callID, CallerNumber: "+77019876543", Line: "109"})
	if err != nil {
		t.Fatal(err)
	}

	var history struct {
		Phone   string               `json:"phone"`
		Tickets []httpapi.TicketJSON `json:"tickets"`
	}
	if st := f.call(t, "GET", "/api/v1/callers/87019876543/tickets", "operator", nil, &history); st != 200 ||
		len(history.Tickets) != 2 || history.Tickets[1].Reference != earlier.Reference {
		t.Fatalf("caller history = %d %+v", st, history)
	}

	// The operator's console finds the ticket of the call it shows.
	var ofCall struct {
		Tickets []httpapi.TicketJSON `json:"tickets"`
	}
	if st := f.call(t, "GET", fmt.Sprintf("/api/v1/tickets?call=%d", callID), "operator", nil, &ofCall); st != 200 ||
		len(ofCall.Tickets) != 1 || ofCall.Tickets[0].ID != tk.ID {
		t.Fatalf("ticket of the call = %d %+v", st, ofCall)
	}
	var bad apiError
	if st := f.call(t, "GET", "/api/v1/tickets?call=abc", "operator", nil, &bad); st != 400 || bad.Error.Code != "invalid" {
		t.Fatalf("call=abc = %d %+v", st, bad)
	}

	var got httpapi.TicketJSON
	patch := map[string]any{"version": tk.Version, "service_code": "water_leak", "address": "ул. Бейбитшилик, 14",
		"area": "Сарыаркинский", "description": "Вода бьёт из-под асфальта"}
	if st := f.call(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "operator", patch, &got); st != 200 {
		t.Fatalf("patch = %d", st)
	}
	if got.SLA == nil || got.Department != "water" || got.Version != tk.Version+1 || got.Priority != "high" {
		t.Fatalf("patched = %+v", got)
	}
	var e apiError
	if st := f.call(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "operator", patch, &e); st != 409 || e.Error.Code != "conflict" {
		t.Fatalf("stale patch = %d %+v", st, e)
	}
	if st := f.call(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "operator", map[string]any{"address": "x"}, &e); st != 400 {
		t.Fatalf("patch without version = %d %+v", st, e)
	}
	if st := f.call(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "water", patch, &e); st != 403 {
		t.Fatalf("department patch = %d", st)
	}
	// Still in triage: the department does not see it yet.
	if st := f.call(t, "GET", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "water", nil, &e); st != 404 {
		t.Fatalf("department sees a registered ticket: %d", st)
	}
	if st := f.call(t, "POST", fmt.Sprintf("/api/v1/tickets/%d/status", tk.ID), "operator",
		map[string]any{"version": got.Version, "to": "assigned"}, &got); st != 200 || got.Status != "assigned" {
		t.Fatalf("assign = %d %+v", st, got)
	}

	t.Run("department tokens are confined to their tickets", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
		if st := f.call(t, "GET", path, "roads", nil, &e); st != 404 {
			t.Fatalf("roads reads water's ticket: %d", st)
		}
		if st := f.call(t, "POST", path+"/status", "roads", map[string]any{"version": got.Version, "to": "acknowledged"}, &e); st != 404 {
			t.Fatalf("roads acknowledges water's ticket: %d %+v", st, e)
		}
		if st := f.call(t, "POST", path+"/notes", "roads", map[string]any{"version": got.Version, "text": "not ours"}, &e); st != 404 {
			t.Fatalf("roads notes water's ticket: %d", st)
		}
		if st := f.call(t, "GET", "/api/v1/tickets?department=water", "roads", nil, &e); st != 403 {
			t.Fatalf("roads searches water's tickets: %d", st)
		}
		if st := f.call(t, "GET", path+"/deliveries", "water", nil, &e); st != 403 {
			t.Fatalf("department reads deliveries: %d", st)
		}
		var page httpapi.TicketPageJSON
		if st := f.call(t, "GET", "/api/v1/tickets", "roads", nil, &page); st != 200 || len(page.Tickets) != 1 ||
			page.Tickets[0].Reference != earlier.Reference {
			t.Fatalf("roads' tickets = %d %+v", st, page)
		}
		if st := f.call(t, "GET", "/api/v1/tickets?status=registered", "water", nil, &e); st != 403 {
			t.Fatalf("department lists triage: %d", st)
		}
		if st := f.call(t, "POST", path+"/status", "water", map[string]any{"version": got.Version, "to": "cancelled", "note": "x"}, &e); st != 403 {
			t.Fatalf("department cancels: %d", st)
		}
	})

	// The department answers back.
	path := fmt.Sprintf("/api/v1/tickets/%d", tk.ID)
	if st := f.call(t, "POST", path+"/status", "water", map[string]any{"version": got.Version, "to": "acknowledged"}, &got); st != 200 {
		t.Fatalf("acknowledge = %d", st)
	}
	if st := f.call(t, "POST", path+"/notes", "water", map[string]any{"version": got.Version,
		"text": "Бригада выехала", "public": true}, &got); st != 200 || got.StatusNotes != "Бригада выехала" {
		t.Fatalf("note = %d %+v", st, got)
	}
	if st := f.call(t, "POST", path+"/status", "water", map[string]any{"version": got.Version, "to": "resolved"}, &e); st != 400 {
		t.Fatalf("resolve without a note = %d", st)
	}
	if st := f.call(t, "POST", path+"/status", "water", map[string]any{"version": got.Version, "to": "resolved",
		"note": "Участок трубы заменён"}, &got); st != 200 || got.Status != "resolved" {
		t.Fatalf("resolve = %d %+v", st, got)
	}
	if st := f.call(t, "POST", path+"/status", "operator", map[string]any{"version": got.Version, "to": "in_progress"}, &e); st != 409 {
		t.Fatalf("invalid transition = %d %+v", st, e)
	}
	var full httpapi.TicketJSON
	if st := f.call(t, "GET", path, "supervisor", nil, &full); st != 200 || len(full.Events) != 7 {
		t.Fatalf("ticket with history = %d, %d events", st, len(full.Events))
	}
	ack := full.Events[4]
	if ack.To != "acknowledged" || ack.Actor.Role != "department" || ack.Actor.Subject != "water" || ack.Actor.TokenID == 0 {
		t.Fatalf("acknowledgement = %+v", ack)
	}
	var deliveries []map[string]any
	if st := f.call(t, "GET", path+"/deliveries", "supervisor", nil, &deliveries); st != 200 || len(deliveries) != 1 ||
		deliveries[0]["topic"] != "ticket.assigned" {
		t.Fatalf("deliveries = %d %v", st, deliveries)
	}
	var report struct {
		Counts []struct {
			Key   string
			Total int
		}
	}
	if st := f.call(t, "GET", "/api/v1/reports/tickets?by=category", "supervisor", nil, &report); st != 200 || len(report.Counts) != 2 {
		t.Fatalf("report = %d %+v", st, report)
	}
	if st := f.call(t, "GET", "/api/v1/reports/tickets?by=colour", "supervisor", nil, &e); st != 400 {
		t.Fatalf("bad report = %d", st)
	}
}

func TestConcurrentPatchesThroughTheAPI(t *testing.T) {
	f := newTicketFixture(t)
	var tk httpapi.TicketJSON
	if st := f.call(t, "POST", "/api/v1/tickets", "operator", map[string]any{"channel": "social", "service_code": "street_lighting",
		"address": "ул. Достык, 5"}, &tk); st != 201 {
		t.Fatalf("create = %d", st)
	}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = f.call(t, "PATCH", fmt.Sprintf("/api/v1/tickets/%d", tk.ID), "operator",
				map[string]any{"version": tk.Version, "description": fmt.Sprintf("writer %d", i)}, nil)
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 200) {
		t.Fatalf("statuses = %v, want one 200 and one 409", statuses)
	}
}

func TestCatalogAPI(t *testing.T) {
	f := newTicketFixture(t)
	var dep httpapi.DepartmentJSON
	if st := f.call(t, "POST", "/api/v1/departments", "admin", map[string]any{"code": "parks", "name": "Управление парков",
		"kind": "city_office", "webhook_url": "https://parks.example.kz/hook"}, &dep); st != 201 || dep.WebhookSecret == "" {
		t.Fatalf("create department = %d %+v", st, dep)
	}
	var list []httpapi.DepartmentJSON
	if st := f.call(t, "GET", "/api/v1/departments", "operator", nil, &list); st != 200 || len(list) != 12 {
		t.Fatalf("departments = %d, %d", st, len(list))
	}
	for _, d := range list {
		if d.WebhookSecret != "" {
			t.Fatal("the department list shows a webhook secret")
		}
	}
	cat := map[string]any{"service_code": "fallen_tree", "name": "Упавшее дерево", "group": "greenery",
		"department": "parks", "default_priority": "high", "keywords": []string{"дерево"},
		"attributes": []map[string]any{{"variable": true, "code": "blocks_road", "datatype": "singlevaluelist",
			"required": true, "order": 1, "description": "Перекрывает дорогу?",
			"values": []map[string]string{{"key": "yes", "name": "Да"}, {"key": "no", "name": "Нет"}}}}}
	var e apiError
	if st := f.call(t, "POST", "/api/v1/categories", "operator", cat, &e); st != 403 {
		t.Fatalf("operator creates a category: %d", st)
	}
	var saved httpapi.CategoryJSON
	if st := f.call(t, "POST", "/api/v1/categories", "admin", cat, &saved); st != 201 || saved.Department != "parks" {
		t.Fatalf("create category = %d %+v", st, saved)
	}
	cat["department"], cat["reason"] = "roads", "trees on roads are cleared by the road service"
	if st := f.call(t, "PUT", "/api/v1/categories/fallen_tree", "admin", cat, &saved); st != 200 || saved.Department != "roads" {
		t.Fatalf("reroute = %d %+v", st, saved)
	}
	var routing []map[string]any
	if st := f.call(t, "GET", "/api/v1/categories/fallen_tree/routing", "supervisor", nil, &routing); st != 200 ||
		len(routing) != 2 || routing[1]["from"] != "parks" || routing[1]["to"] != "roads" ||
		!strings.Contains(routing[1]["reason"].(string), "road service") {
		t.Fatalf("routing = %d %v", st, routing)
	}
	var pol httpapi.PolicyJSON
	if st := f.call(t, "POST", "/api/v1/sla-policies", "admin", map[string]any{"service_code": "fallen_tree",
		"priority": "high", "respond_within": "1h", "resolve_within": "8h"}, &pol); st != 201 || pol.Version != 1 {
		t.Fatalf("policy = %d %+v", st, pol)
	}
	if st := f.call(t, "POST", "/api/v1/sla-policies", "admin", map[string]any{"service_code": "fallen_tree",
		"priority": "high", "respond_within": "soon", "resolve_within": "8h"}, &e); st != 400 {
		t.Fatalf("bad policy = %d", st)
	}
	var tk httpapi.TicketJSON
	if st := f.call(t, "POST", "/api/v1/tickets", "operator", map[string]any{"channel": "web", "service_code": "fallen_tree",
		"address": "пр. Абая, 2", "attributes": map[string][]string{"blocks_road": {"yes"}}}, &tk); st != 201 ||
		tk.Department != "roads" || tk.SLA == nil || tk.SLA.PolicyID != pol.ID ||
		!tk.SLA.ResolutionDueAt.Equal(tk.CreatedAt.Add(8*time.Hour)) {
		t.Fatalf("ticket in the new category = %d %+v", st, tk)
	}
}

func TestAnsweredOnTheSpotThroughTheAPI(t *testing.T) {
	f := newTicketFixture(t)
	var tk httpapi.TicketJSON
	if st := f.call(t, "POST", "/api/v1/tickets", "operator", map[string]any{"channel": "phone", "service_code": "info_request",
		"description": "Как доехать до Хан Шатыра?", "answer": "Автобусы 10, 12, 21 до остановки «Хан Шатыр»"}, &tk); st != 201 ||
		tk.Status != "closed" || tk.ClosedAt == nil {
		t.Fatalf("on-the-spot ticket = %d %+v", st, tk)
	}
}
