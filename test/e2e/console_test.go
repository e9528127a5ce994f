package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/operators"
	"github.com/ikomek/ikomek/internal/qc"
	"github.com/ikomek/ikomek/internal/testenv"
	"github.com/ikomek/ikomek/internal/tickets"
)

// TestOperatorConsole drives the operator's desk of the web console in headless chromium through a real
// call: the operator signs in with their token, sees their softphone register, logs
// in, gets a citizen's call with the caller's earlier ticket on the screen, fills
// the call's ticket (once after someone else changed it), and pauses, resumes and
// logs out.
func TestOperatorConsole(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	if _, err := tickets.LoadSeed(ctx, c.DB.Catalog(), c.DB.SLA(), tickets.CitySeed(), tickets.System("setup")); err != nil {
		t.Fatal(err)
	}
	login, pw := newOperator(t, c, "ru")
	_, opToken, err := c.DB.Tokens().Create(ctx, "Console "+login, auth.Operator, login, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, appToken, err := c.DB.Tokens().Create(ctx, "City app", auth.Open311, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + c.Addr()
	const caller = "77011110077"
	earlier := postTicket(t, base, opToken, map[string]any{"channel": "web", "service_code": "pothole",
		"address": "пр. Республики, 12", "caller": map[string]string{"phone": caller}})

	b := testenv.Chromium(t)
	b.Open(base + "/") // leads to the console

	// Tokens that may not use the console are refused, with the reason.
	signIn(b, "not-a-token")
	b.WaitText("#message", "token")
	if !b.Visible("#signin") || b.Visible("#desk") {
		t.Fatal("signed in with an unknown token")
	}
	signIn(b, appToken)
	b.WaitText("#message", "for operators, supervisors, quality reviewers and departments")

	signIn(b, opToken)
	b.WaitTextIs("#state", "offline")
	b.WaitTextIs("#softphone", "not registered")
	b.WaitText("#who", login)

	startPhone(t, c, login, pw, phoneOpts{Calls: 3, AnswerMS: 200, SpeakMS: 1000})
	b.WaitTextIs("#softphone", "registered")
	b.Click("#login")
	b.WaitTextIs("#state", "available")

	sipp := dial(t, c, callerOpts{Caller: caller, SpeakMS: 1000, HoldMS: 25000})
	b.WaitTextIs("#call-title", "Call in progress")
	b.WaitText("#caller-number", caller)
	b.WaitText("#history", earlier.Reference)
	ref := b.Text("#ticket-ref")

	ts, _, err := c.DB.Tickets().Search(ctx, tickets.Filter{CallerNumber: caller, Channel: tickets.Phone})
	if err != nil || len(ts) != 1 || ts[0].Reference != ref || ts[0].OperatorLogin != login {
		t.Fatalf("the call's ticket: %v %+v; the console shows %q", err, ts, ref)
	}
	tk := ts[0]

	b.Choose("#category", "water_leak")
	b.Type("#address", "ул. Кенесары, 40")
	b.Type("#description", "Прорыв трубы во дворе, вода идёт на дорогу")
	b.Click("#save")
	b.WaitText("#saved", "Saved")
	b.WaitText("#ticket-status", "water")
	v, err := c.DB.Tickets().View(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Ticket; got.ServiceCode != "water_leak" || got.Address != "ул. Кенесары, 40" ||
		got.DepartmentCode != "water" || got.SLA == nil {
		t.Fatalf("saved ticket = %+v", got)
	}
	if last := v.Events[len(v.Events)-1]; last.Actor.Role != "operator" || last.Actor.Subject != login {
		t.Fatalf("the change is recorded as %+v, not the operator's", last.Actor)
	}

	// A supervisor changes the ticket meanwhile: the operator's save is refused, their
	// text kept, and the second save applies it.
	addr := "ул. Кенесары, 40/1"
	if _, err := c.DB.Tickets().Update(ctx, tk.ID, tickets.Patch{Version: v.Ticket.Version, Address: &addr},
		tickets.Actor{Role: "supervisor", Name: "Supervisor", Subject: "sup1"}); err != nil {
		t.Fatal(err)
	}
	b.Type("#description", "Прорыв трубы во дворе; вода уже у подъезда")
	b.Click("#save")
	b.WaitText("#message", "changed elsewhere")
	if got := b.Eval(`return document.getElementById("description").value`); got != "Прорыв трубы во дворе; вода уже у подъезда" {
		t.Fatalf("the operator's text was lost: %v", got)
	}
	b.Click("#save")
	b.WaitFor("the second save", func() bool {
		v, err = c.DB.Tickets().View(ctx, tk.ID)
		return err == nil && v.Ticket.Description == "Прорыв трубы во дворе; вода уже у подъезда"
	})
	if v.Ticket.Address != "ул. Кенесары, 40" {
		t.Fatalf("address = %q: the operator's second save writes what the form shows", v.Ticket.Address)
	}

	b.Click("#assign")
	b.WaitText("#saved", "Sent to water")
	b.WaitFor("the ticket to be sent to its department", func() bool {
		v, err = c.DB.Tickets().View(ctx, tk.ID)
		return err == nil && v.Ticket.Status == tickets.Assigned
	})
	if !b.Eval(`return document.getElementById("ticket-fields").disabled`).(bool) {
		t.Fatal("the form is still open after the ticket was sent")
	}
	sipp.wait(t, 60*time.Second)
	b.WaitTextIs("#call-title", "Last call")
	b.WaitTextIs("#state", "available")

	// The same citizen calls again about the same leak: the operator adds them to the
	// first ticket.
	sipp = dial(t, c, callerOpts{Caller: caller, SpeakMS: 1000, HoldMS: 12000})
	second := nextCall(b, ref)
	b.WaitText("#history", ref)
	b.Click(`#history tr[data-ticket="` + ref + `"] button.same`)
	b.WaitText("#saved", "Added to "+ref)
	b.WaitFor("the second call's ticket to be a duplicate with its caller on the first", func() bool {
		v, err = c.DB.Tickets().View(ctx, tk.ID)
		return err == nil && len(v.Reporters) == 1 && v.Reporters[0].CallerNumber == "+"+caller
	})
	sipp.wait(t, 60*time.Second)

	// A question answered on the spot is closed with the answer.
	sipp = dial(t, c, callerOpts{Caller: caller, SpeakMS: 1000, HoldMS: 12000})
	third := nextCall(b, second)
	if b.Visible("#answered") {
		t.Fatal("closing on the spot is offered before an on-the-spot category is chosen")
	}
	b.Choose("#category", "info_request")
	b.WaitFor("the on-the-spot answer", func() bool { return b.Visible("#answer") && !b.Visible("#assign") })
	b.Type("#description", "Как доехать до ЦОНа на Сарыарке?")
	b.Type("#answer", "Автобусы 10 и 12 до остановки «ЦОН»")
	b.Click("#answered")
	b.WaitText("#saved", "Closed")
	ts, _, err = c.DB.Tickets().Search(ctx, tickets.Filter{References: []string{second, third}})
	if err != nil || len(ts) != 2 {
		t.Fatalf("tickets %s and %s: %v %d", second, third, err, len(ts))
	}
	for _, x := range ts {
		want := map[string]tickets.Status{second: tickets.Duplicate, third: tickets.Closed}[x.Reference]
		if x.Status != want {
			t.Errorf("ticket %s is %s, want %s", x.Reference, x.Status, want)
		}
	}
	sipp.wait(t, 60*time.Second)
	b.WaitTextIs("#call-title", "Last call")
	b.WaitTextIs("#state", "available")

	b.Choose("#pause-reason", "lunch")
	b.Click("#pause")
	b.WaitTextIs("#state", "paused")
	b.WaitText("#reason", "lunch")
	b.Click("#resume")
	b.WaitTextIs("#state", "available")
	b.Click("#logout")
	b.WaitTextIs("#state", "offline")

	var path []string
	changes, err := c.DB.Operators().StateLog(ctx, login, time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		path = append(path, string(ch.To))
	}
	want := []operators.State{operators.Ringing, operators.OnCall, operators.WrapUp,
		operators.Available, operators.Paused, operators.Available, operators.Offline}
	if !endsWith(path, want) {
		t.Fatalf("operator's states = %v, want them to end with %v", path, want)
	}

	b.Click("#signout")
	b.WaitFor("the sign-in form", func() bool { return b.Visible("#signin") && !b.Visible("#desk") })
}

// openConsole opens the controller's web console in a new headless chromium.
func openConsole(t *testing.T, c *controller) *testenv.Browser {
	t.Helper()
	b := testenv.Chromium(t)
	b.Open("http://" + c.Addr() + "/console/")
	return b
}

// signIn signs in to the console with a token.
func signIn(b *testenv.Browser, token string) {
	b.Type("#token", token)
	b.Click("#signin-button")
}

// nextCall waits for the console to show a call other than the one of ticket prev
// and returns the new call's ticket reference.
func nextCall(b *testenv.Browser, prev string) string {
	b.WaitTextIs("#call-title", "Call in progress")
	var ref string
	b.WaitFor("the next call's ticket", func() bool {
		ref = b.Text("#ticket-ref")
		return ref != "" && ref != prev
	})
	return ref
}

func endsWith(got []string, want []operators.State) bool {
	if len(got) < len(want) {
		return false
	}
	got = got[len(got)-len(want):]
	for i, w := range want {
		if got[i] != string(w) {
			return false
		}
	}
	return true
}

type ticketRef struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
}

// postTicket registers a ticket through the API.
func postTicket(t *testing.T, base, token string, body map[string]any) ticketRef {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/api/v1/tickets", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out ticketRef
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating a ticket: %d %v", resp.StatusCode, err)
	}
	return out
}

// TestSupervisorBoard follows a call on the supervisor's board in headless chromium:
// the caller waits in line while nobody is logged in, and is shown there; the
// operator logs in, takes the call, and the board shows them on it, then free again,
// and the day's service level.
func TestSupervisorBoard(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	login, pw := newOperator(t, c, "ru")
	_, supToken, err := c.DB.Tokens().Create(ctx, "Shift lead", auth.Supervisor, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b := openConsole(t, c)
	signIn(b, supToken)
	b.WaitTextIs("#waiting", "0")
	row := `#operators-table tr[data-login="` + login + `"]`
	b.WaitTextIs(row+" td:nth-child(2)", "offline")
	b.WaitTextIs(row+" td:nth-child(4)", "not registered")
	if b.Visible("#desk") {
		t.Fatal("a supervisor got the operator's desk")
	}

	startPhone(t, c, login, pw, phoneOpts{AnswerMS: 200, SpeakMS: 1000})
	b.WaitTextIs(row+" td:nth-child(4)", "registered")

	// Nobody is logged in: the caller waits in line.
	const caller = "77011110099"
	sipp := dial(t, c, callerOpts{Caller: caller, SpeakMS: 1000, HoldMS: 15000})
	b.WaitTextIs("#waiting", "1")
	b.WaitText("#queue-table tbody tr:first-child td:nth-child(2)", caller)
	b.WaitText("#staffing-summary", "0 logged in")

	if err := c.Presence.Login(ctx, login); err != nil {
		t.Fatal(err)
	}
	b.WaitTextIs(row+" td:nth-child(2)", "on a call")
	b.WaitTextIs("#waiting", "0")
	b.WaitText("#staffing-summary", "1 logged in")
	sipp.wait(t, 60*time.Second)
	b.WaitTextIs(row+" td:nth-child(2)", "available")
	// The day so far: one call, answered within the 20 s target.
	b.WaitText("#today-summary", "1 arrived, 1 answered (service level 100 %: 1 within 20 s), 0 abandoned, 0 open")
}

// TestQualityReviewInConsole has a quality reviewer find a recorded call in the
// console, listen to it in headless chromium (the audio decodes and lasts as long as
// the conversation) and score it: the review, and the listen in the access log, are
// in the database.
func TestQualityReviewInConsole(t *testing.T) {
	c := startController(t, fastCalls)
	ctx := context.Background()
	form, err := c.DB.QC().CreateForm(ctx, qc.DefaultForm(), qc.Actor{Name: "setup", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	login, pw := newOperator(t, c, "ru")
	p := startPhone(t, c, login, pw, phoneOpts{AnswerMS: 200, SpeakMS: 3000})
	ready(t, c, p)
	const caller = "77011110055"
	dial(t, c, callerOpts{Caller: caller, SpeakMS: 1000, HoldMS: 8000}).wait(t, 60*time.Second)
	call := callOf(t, c, caller)
	rec := storedRecording(t, c, call.ID)
	tok, reviewer, err := c.DB.Tokens().Create(ctx, "Reviewer Aigerim", auth.QC, "aigerim", nil)
	if err != nil {
		t.Fatal(err)
	}

	b := openConsole(t, c)
	signIn(b, reviewer)
	b.WaitText("#form-name", "Call quality")
	b.Type("#search-caller", caller)
	b.Click("#search-button")
	row := fmt.Sprintf(`#recordings tr[data-call="%d"]`, call.ID)
	b.WaitText(row, login)
	b.Click(row + " button.listen")
	b.WaitFor("the recording to load in the player", func() bool {
		d, _ := b.Eval(`const p = document.getElementById("player"); return p.readyState >= 1 ? p.duration : 0`).(float64)
		return d > rec.Duration-1 && d < rec.Duration+1
	})
	for i, score := range []string{"5", "4", "5", "3"} {
		b.Type(fmt.Sprintf("#criteria label:nth-child(%d) input", i+1), score)
	}
	b.Choose("#outcome", "coaching")
	b.Type("#notes", "Не назвала срок устранения")
	b.Click("#submit-review")
	b.WaitText("#message", "Review saved")
	b.WaitText("#reviews", "Reviewer Aigerim")

	rs, err := c.DB.QC().Reviews(ctx, login, call.ID)
	if err != nil || len(rs) != 1 {
		t.Fatalf("reviews = %+v, %v", rs, err)
	}
	if r := rs[0]; r.FormID != form.ID || r.Outcome != qc.Coaching || r.Scores["resolution"] != 3 ||
		r.ReviewerToken != tok.ID || r.Notes != "Не назвала срок устранения" {
		t.Fatalf("review = %+v", r)
	}
	acc, err := c.DB.RecordingAccess().Accesses(ctx, qc.AccessFilter{RecordingID: rec.ID})
	if err != nil || len(acc) != 1 || acc[0].Action != qc.Listen || acc[0].TokenID != tok.ID {
		t.Fatalf("access log = %+v, %v", acc, err)
	}
}
