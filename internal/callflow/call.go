package callflow

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/recordings"
	"github.com/ikomek/ikomek/internal/redis"
)

const (
	varCallID      = "IKOMEK_CALL_ID" // on the caller's channel: a restarted controller finds the call
	argOperatorLeg = "operator"       // Stasis argument of channels created to ring operators
	opLegMark      = "-op"            // in operator leg channel ids
)

// errHungUp ends a call's flow: the caller's channel is gone.
var errHungUp = errors.New("caller hung up")

// callActor drives one caller channel and the operator legs created for it.
type callActor struct {
	ctl     *Controller
	channel ari.Channel
	args    []string
	adopted bool // found in Stasis after a restart, not seen arriving
	inbox   *mailbox

	call      calls.Call
	ticketID  int64
	greeted   bool
	language  string
	priority  int
	digits    []string // DTMF the caller pressed and nobody used yet
	connected bool
	hangup    bool
	destroyed bool
	cause     int
	causeText string
	offers    int
	mohOn     bool
	queuedAt  time.Time
	endedAt   time.Time // when the caller's channel hung up, by Asterisk's clock
	recent    [16]ari.Event
	recentN   int
}

func (a *callActor) log() []any { return []any{"call_id", a.call.ID, "channel", a.channel.ID} }

func (a *callActor) run(ctx context.Context) {
	c := a.ctl
	if err := a.arrive(ctx); err != nil {
		c.Log.Error("cannot record arriving call; hanging up", "channel", a.channel.ID, "err", err)
		c.Channels.Hangup(context.WithoutCancel(ctx), a.channel.ID, ari.HangupCongestion)
		c.metrics.failedArrivals.Inc()
		return
	}
	err := a.flow(ctx)
	if ctx.Err() != nil {
		// Shutting down: the channel stays in Stasis and the next controller adopts it.
		return
	}
	if err != nil && !errors.Is(err, errHungUp) {
		c.Log.Error("call flow failed; hanging up", append(a.log(), "err", err)...)
		a.event(ctx, "failed", map[string]any{"error": err.Error()})
		if err := c.Channels.Hangup(ctx, a.channel.ID, ari.HangupNormal); err != nil && !ari.IsNotFound(err) {
			c.Log.Error("hang-up failed", append(a.log(), "err", err)...)
		}
	}
	a.finish(ctx, err)
}

// arrive records the call (once per channel), opens its ticket and tags the channel.
func (a *callActor) arrive(ctx context.Context) error {
	c := a.ctl
	astID, err := c.getAsteriskID(ctx)
	if err != nil {
		return err
	}
	line := ""
	if len(a.args) > 0 {
		line = a.args[0]
	}
	if line == "" {
		line = a.channel.Dialplan.Exten
	}
	lang := a.channel.Language
	if lang != "ru" && lang != "kk" {
		lang = c.Language
	}
	arrived := a.channel.CreationTime.Time
	if arrived.IsZero() {
		arrived = c.Now()
	}
	call, created, err := c.Calls.Arrive(ctx, calls.Call{
		AsteriskID: astID, ChannelID: a.channel.ID, Line: line,
		CallerNumber: a.channel.Caller.Number, CallerName: a.channel.Caller.Name,
		Language: lang, ArrivedAt: arrived,
	})
	if err != nil {
		return err
	}
	a.call, a.language, a.priority = call, call.Language, call.Priority
	c.mu.Lock()
	c.byCall[call.ID] = a
	c.mu.Unlock()
	if created {
		c.metrics.arrived.Inc()
	} else {
		a.adopted = true
		evs, err := c.Calls.Events(ctx, call.ID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Type == "greeting_played" {
				a.greeted = true
			}
		}
		c.Log.Info("call adopted", append(a.log(), "state", call.State, "greeted", a.greeted)...)
	}
	if c.Tickets != nil {
		if a.ticketID, err = c.Tickets.OpenForCall(ctx, call.ID, call.CallerNumber, call.Line, call.ArrivedAt); err != nil {
			return fmt.Errorf("ticket: %w", err)
		}
	}
	if c.QCCases != nil && call.Line == QCLine {
		caseID, _, err := c.QCCases.OpenCaseForCall(ctx, call.ID)
		if err != nil {
			return fmt.Errorf("quality-control case: %w", err)
		}
		if created {
			a.event(ctx, "qc_case", map[string]any{"case_id": caseID})
		}
	}
	if err := c.Channels.SetVariable(ctx, a.channel.ID, varCallID, strconv.FormatInt(call.ID, 10)); err != nil && !ari.IsNotFound(err) {
		return err
	}
	// Events of a channel stop with StasisEnd unless the application subscribed to it;
	// subscribed, it also gets ChannelDestroyed with the hang-up cause.
	if _, err := c.Applications.Subscribe(ctx, c.App, ari.ChannelSource(a.channel.ID)); err != nil && !ari.IsNotFound(err) && ari.StatusCode(err) != 422 {
		return err
	}
	return nil
}

// flow is what a caller goes through.
func (a *callActor) flow(ctx context.Context) error {
	c := a.ctl
	if a.call.State == calls.Connected {
		// Adopted mid-conversation: the bridge and its recording go on in Asterisk.
		return a.adoptConversation(ctx)
	}
	if !a.greeted {
		if a.channel.State != ari.ChannelState("Up") {
			if err := c.Channels.Answer(ctx, a.channel.ID); err != nil {
				return a.gone(err, "answer")
			}
		}
		if err := c.Calls.Answer(ctx, a.call.ID, c.Now()); err != nil {
			return err
		}
		if err := c.Calls.SetState(ctx, a.call.ID, calls.Greeting); err != nil {
			return err
		}
		if _, err := a.play(ctx, "greeting", false, c.Greeting); err != nil {
			return err
		}
		a.greeted = true
		if c.Settings.LanguageMenu {
			if err := a.languageMenu(ctx); err != nil {
				return err
			}
		}
	}
	return a.queue(ctx)
}

// languageMenu lets the caller choose Russian (1) or Kazakh (2), or flag an
// emergency (9: first in line). Keys pressed during the greeting count; without a key
// the caller is served in the default language.
func (a *callActor) languageMenu(ctx context.Context) error {
	c := a.ctl
	chosen := a.useDigits()
	if !chosen {
		if _, err := a.play(ctx, "menu", true, "sound:ikomek-language-menu"); err != nil {
			return err
		}
		chosen = a.useDigits()
	}
	if !chosen {
		deadline := time.NewTimer(c.Settings.MenuTimeout)
		defer deadline.Stop()
	wait:
		for !chosen {
			ev, err := a.nextOr(ctx, deadline.C)
			if err != nil {
				return err
			}
			switch ev.(type) {
			case nil:
				break wait
			case *ari.ChannelDtmfReceived:
				chosen = a.useDigits()
			}
		}
	}
	a.event(ctx, "menu", map[string]any{"language": a.language, "priority": a.priority})
	return nil
}

// useDigits applies the menu keys pressed so far; true once a language is chosen.
func (a *callActor) useDigits() bool {
	chosen := false
	for _, d := range a.digits {
		switch d {
		case "1":
			a.language, chosen = "ru", true
		case "2":
			a.language, chosen = "kk", true
		case "9":
			// An emergency goes straight into line, served in the default language.
			a.priority, chosen = max(a.priority, a.ctl.Settings.Emergency), true
		}
	}
	a.digits = a.digits[:0]
	return chosen
}

// queue puts the caller in line with music on hold and announcements until an
// operator answers, then holds the conversation.
func (a *callActor) queue(ctx context.Context) error {
	c := a.ctl
	a.queuedAt = c.Now()
	if c.Prioritize != nil {
		if p, why := c.Prioritize(ctx, a.call); p > a.priority {
			a.priority = min(p, redis.MaxPriority)
			a.event(ctx, "prioritized", map[string]any{"priority": a.priority, "reason": why})
		}
	}
	if err := c.Calls.Queue(ctx, a.call.ID, a.queuedAt, a.language, a.priority); err != nil {
		return err
	}
	if err := c.Calls.SetState(ctx, a.call.ID, calls.Queued); err != nil {
		return err
	}
	if err := c.Queue.Enqueue(ctx, redis.QueuedCall{ID: a.call.ID, AsteriskID: a.call.AsteriskID, Language: a.language,
		Line: a.call.Line, Priority: a.priority, ArrivedAt: a.call.ArrivedAt}); err != nil {
		return err
	}
	c.metrics.waiting.Inc()
	defer c.metrics.waiting.Dec()
	c.Kick()
	a.startMOH(ctx)
	var announce <-chan time.Time
	if c.Settings.AnnounceEvery > 0 {
		t := time.NewTicker(c.Settings.AnnounceEvery)
		defer t.Stop()
		announce = t.C
	}
	for {
		ev, err := a.nextOr(ctx, announce)
		if err != nil {
			if errors.Is(err, errHungUp) {
				c.Queue.Dequeue(context.WithoutCancel(ctx), a.call.ID)
				wait := c.Now().Sub(a.queuedAt)
				c.metrics.wait.WithLabelValues("abandoned").Observe(wait.Seconds())
				a.event(ctx, "abandoned", map[string]any{"wait_seconds": wait.Seconds()})
			}
			return err
		}
		switch e := ev.(type) {
		case nil: // announcement due
			if err := a.announce(ctx); err != nil {
				return err
			}
		case *offer:
			answered, err := a.ring(ctx, e)
			if err != nil {
				return err
			}
			if answered {
				return nil
			}
		case *ari.PlaybackFinished:
			a.startMOH(ctx)
		}
	}
}

// announce tells the caller their place in line and the estimated wait.
func (a *callActor) announce(ctx context.Context) error {
	c := a.ctl
	pos, _, err := c.Queue.Position(ctx, a.call.ID)
	if err != nil || pos == 0 {
		return nil // being offered, or unknown: no announcement this time
	}
	minutes := int((time.Duration(pos) * c.Settings.HandleTime / time.Duration(max(1, c.metrics.onDutyEstimate()))).Minutes()) + 1
	a.event(ctx, "announced", map[string]any{"position": pos, "minutes": minutes})
	a.stopMOH(ctx)
	_, err = a.startPlayback(ctx, "position",
		"sound:ikomek-queue-position", "number:"+strconv.FormatInt(pos, 10),
		"sound:ikomek-queue-wait", "number:"+strconv.Itoa(minutes), "sound:ikomek-minutes")
	return err
}

func (a *callActor) startMOH(ctx context.Context) {
	if err := a.ctl.Channels.StartMOH(ctx, a.channel.ID, "default"); err == nil {
		a.mohOn = true
	}
}

func (a *callActor) stopMOH(ctx context.Context) {
	if a.mohOn {
		a.ctl.Channels.StopMOH(ctx, a.channel.ID)
		a.mohOn = false
	}
}

// ring offers the call to an operator: creates the operator's channel, dials it, and
// waits for an answer, a failure, the ring timeout or the caller leaving.
func (a *callActor) ring(ctx context.Context, o *offer) (answered bool, err error) {
	c := a.ctl
	a.offers++
	opID := fmt.Sprintf("%s%s%d", a.channel.ID, opLegMark, a.offers)
	c.route("ch:"+opID, a)
	defer func() {
		if !answered {
			c.unroute("ch:" + opID)
		}
	}()
	c.Calls.SetState(ctx, a.call.ID, calls.Ringing)
	_, err = c.Channels.Create(ctx, ari.CreateParams{Endpoint: "PJSIP/" + o.Login, App: c.App,
		AppArgs: argOperatorLeg + "," + strconv.FormatInt(a.call.ID, 10), ChannelID: opID, Originator: a.channel.ID})
	if err != nil {
		// 500 "Allocation failed": the softphone is not registered any more.
		c.Log.Warn("cannot ring operator", append(a.log(), "login", o.Login, "err", err)...)
		if ari.IsServerError(err) {
			c.Queue.SetRegistered(ctx, o.Login, false, a.call.AsteriskID)
		}
		return false, a.offerFailed(ctx, o.Login, "unreachable", 0)
	}
	// Dial only once the new channel is in Stasis: the reply to create may come
	// before or after its StasisStart.
	if err := a.awaitLeg(ctx, opID); err != nil {
		c.Channels.Hangup(context.WithoutCancel(ctx), opID, ari.HangupNormal)
		if errors.Is(err, errHungUp) {
			c.Queue.Released(context.WithoutCancel(ctx), o.Login, a.call.ID)
			c.Kick()
			return false, err
		}
		return false, a.offerFailed(ctx, o.Login, err.Error(), 0)
	}
	if err := c.Channels.Dial(ctx, opID, a.channel.ID, c.Settings.RingTimeout); err != nil {
		c.Log.Warn("dial failed", append(a.log(), "login", o.Login, "err", err)...)
		c.Channels.Hangup(ctx, opID, ari.HangupNormal)
		return false, a.offerFailed(ctx, o.Login, "dial failed", 0)
	}
	sent := c.Now()
	c.metrics.dispatch.Observe(sent.Sub(o.Since).Seconds())
	if c.Observe != nil {
		c.Observe("dispatch", sent.Sub(o.Since))
	}
	a.event(ctx, "offered", map[string]any{"operator": o.Login, "dispatch_ms": float64(sent.Sub(o.Since).Microseconds()) / 1000})
	safety := time.NewTimer(c.Settings.RingTimeout + 3*time.Second)
	defer safety.Stop()
	for {
		ev, err := a.nextOr(ctx, safety.C)
		if ctx.Err() != nil {
			// Shutting down: stop the ringing and give the call back to the line, so
			// that the next controller offers it again.
			bg := context.WithoutCancel(ctx)
			c.Channels.Hangup(bg, opID, ari.HangupNormal)
			c.Queue.Released(bg, o.Login, a.call.ID)
			c.Queue.Requeue(bg, a.call.ID)
			return false, ctx.Err()
		}
		if errors.Is(err, errHungUp) {
			// The caller left while the phone rang: stop the ringing at once.
			c.Channels.Hangup(context.WithoutCancel(ctx), opID, ari.HangupNormal)
			c.Queue.Released(context.WithoutCancel(ctx), o.Login, a.call.ID)
			c.Kick()
			return false, err
		}
		if err != nil {
			return false, err
		}
		switch e := ev.(type) {
		case nil:
			c.Channels.Hangup(ctx, opID, ari.HangupNoAnswer)
			return false, a.offerFailed(ctx, o.Login, "no answer", 19)
		case *ari.ChannelStateChange:
			if e.Channel.ID == opID && e.Channel.State == ari.ChannelState("Up") {
				return true, a.converse(ctx, o.Login, opID, c.Now())
			}
		case *ari.ChannelDestroyed:
			if e.Channel.ID == opID {
				return false, a.offerFailed(ctx, o.Login, e.CauseTxt, e.Cause)
			}
		case *ari.PlaybackFinished:
			a.startMOH(ctx)
		}
	}
}

// awaitLeg waits for an operator leg to enter Stasis.
func (a *callActor) awaitLeg(ctx context.Context, opID string) error {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for {
		ev, err := a.nextOr(ctx, t.C)
		if err != nil {
			return err
		}
		switch e := ev.(type) {
		case nil:
			return errors.New("operator channel did not enter the application")
		case *ari.StasisStart:
			if e.Channel.ID == opID {
				return nil
			}
		case *ari.ChannelDestroyed:
			if e.Channel.ID == opID {
				return fmt.Errorf("operator channel gone: %s", e.CauseTxt)
			}
		case *ari.PlaybackFinished:
			a.startMOH(ctx)
		}
	}
}

// offerFailed counts a miss for the operator and puts the call back in its place.
func (a *callActor) offerFailed(ctx context.Context, login, why string, cause int) error {
	c := a.ctl
	st, err := c.Queue.Missed(ctx, login, a.call.ID)
	if err != nil {
		c.Log.Error("cannot record missed offer", append(a.log(), "login", login, "err", err)...)
	}
	a.event(ctx, "missed", map[string]any{"operator": login, "reason": why, "cause": cause, "operator_state": string(st)})
	c.Log.Info("offer not answered", append(a.log(), "login", login, "reason", why, "cause", cause, "operator_state", st)...)
	c.metrics.missed.Inc()
	if err := c.Calls.SetState(ctx, a.call.ID, calls.Queued); err != nil {
		return err
	}
	if err := c.Queue.Requeue(ctx, a.call.ID); err != nil {
		return err
	}
	c.Kick()
	return nil
}

// converse bridges caller and operator, records the conversation and waits for its
// end; then the operator goes to wrap-up.
func (a *callActor) converse(ctx context.Context, login, opID string, answeredAt time.Time) error {
	c := a.ctl
	a.stopMOH(ctx)
	bridgeID := fmt.Sprintf("%s-br%d", a.channel.ID, a.offers)
	c.route("br:"+bridgeID, a)
	if _, err := c.Bridges.Create(ctx, ari.CreateBridgeParams{Type: "mixing", ID: bridgeID}); err != nil {
		return fmt.Errorf("create bridge: %w", err)
	}
	if err := c.Bridges.AddChannel(ctx, bridgeID, ari.AddChannelParams{Channels: []string{a.channel.ID, opID}}); err != nil {
		c.Bridges.Destroy(ctx, bridgeID)
		return a.gone(err, "bridge")
	}
	// Unique on the server whatever database the call is kept in: the channel id is.
	recName := fmt.Sprintf("call-%d-%s-%d", a.call.ID, strings.ReplaceAll(a.channel.ID, ".", "-"), a.offers)
	_, recErr := c.Bridges.Record(ctx, bridgeID, ari.RecordParams{Name: recName, Format: "wav", IfExists: "fail"})
	bridged := c.Now()
	c.metrics.bridge.Observe(bridged.Sub(answeredAt).Seconds())
	if c.Observe != nil {
		c.Observe("bridge", bridged.Sub(answeredAt))
	}
	a.connected = true
	wait := answeredAt.Sub(a.queuedAt)
	c.metrics.wait.WithLabelValues("answered").Observe(wait.Seconds())
	c.metrics.answeredCalls(wait)
	if err := c.Queue.Answered(ctx, login, a.call.ID); err != nil {
		c.Log.Error("presence: answered", append(a.log(), "login", login, "err", err)...)
	}
	c.Queue.Dequeue(ctx, a.call.ID)
	if err := c.Calls.Connect(ctx, a.call.ID, answeredAt, login); err != nil {
		return err
	}
	var rec recordings.Rec
	if recErr != nil {
		c.metrics.recordingFailures.Inc()
		c.Log.Error("conversation not recorded", append(a.log(), "err", recErr)...)
		a.event(ctx, "recording_failed", map[string]any{"error": recErr.Error()})
	} else {
		var err error
		rec, err = c.Recordings.Start(ctx, recordings.Rec{CallID: a.call.ID, AsteriskID: a.call.AsteriskID, Name: recName,
			Format: "wav", OperatorLogin: login, StartedAt: bridged})
		if err != nil {
			return err
		}
	}
	if c.Tickets != nil && a.ticketID != 0 {
		if err := c.Tickets.SetOperator(ctx, a.ticketID, login); err != nil {
			c.Log.Error("ticket: set operator", append(a.log(), "err", err)...)
		}
	}
	a.event(ctx, "bridged", map[string]any{"operator": login, "bridge": bridgeID, "recording": recName,
		"bridge_ms": float64(bridged.Sub(answeredAt).Microseconds()) / 1000, "wait_seconds": wait.Seconds()})

	// The conversation lasts until either side hangs up.
	var endErr error
	for {
		ev, err := a.next(ctx)
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: the conversation goes on; the next controller adopts it
		}
		if err != nil {
			endErr = err
			c.Channels.Hangup(context.WithoutCancel(ctx), opID, ari.HangupNormal)
			break
		}
		if e, ok := ev.(*ari.ChannelDestroyed); ok && e.Channel.ID == opID {
			c.Channels.Hangup(ctx, a.channel.ID, ari.HangupNormal)
			a.awaitGone(ctx, 5*time.Second)
			endErr = errHungUp
			break
		}
	}
	ended := a.endedAt
	if ended.IsZero() {
		ended = c.Now()
	}
	c.metrics.talk.Observe(ended.Sub(answeredAt).Seconds())
	a.closeConversation(context.WithoutCancel(ctx), bridgeID, rec, recErr == nil)
	if err := c.Queue.CallEnded(context.WithoutCancel(ctx), login, a.call.ID, ended.Add(c.Settings.WrapUp)); err != nil {
		c.Log.Error("presence: call ended", append(a.log(), "login", login, "err", err)...)
	}
	c.Kick() // the wrap-up timer is rescheduled by the distributor
	return endErr
}

// closeConversation stops the recording, waits for Asterisk to finish the file,
// removes the bridge and hands the recording to the archiver.
func (a *callActor) closeConversation(ctx context.Context, bridgeID string, rec recordings.Rec, recording bool) {
	c := a.ctl
	defer c.unroute("br:" + bridgeID)
	if recording {
		// 404 or 409: the recording already ended with the bridge's last channel.
		if err := c.LiveRecordings.Stop(ctx, rec.Name); err != nil && !ari.IsNotFound(err) && !ari.IsConflict(err) {
			c.Log.Warn("stop recording", append(a.log(), "err", err)...)
		}
		failed, reason := false, ""
		deadline := time.NewTimer(5 * time.Second)
		defer deadline.Stop()
	wait:
		for {
			ev, err := a.take(ctx, deadline.C)
			if err != nil || ev == nil {
				break // finished before we listened, or no event: the archiver checks the file
			}
			switch e := ev.(type) {
			case *ari.RecordingFinished:
				break wait
			case *ari.RecordingFailed:
				failed, reason = true, e.Recording.Cause
				break wait
			}
		}
		if err := c.Recordings.Finish(ctx, rec.ID, c.Now(), failed, reason); err != nil {
			c.Log.Error("cannot mark recording finished", append(a.log(), "err", err)...)
		}
		if failed {
			c.metrics.recordingFailures.Inc()
		} else {
			if c.Tickets != nil && a.ticketID != 0 {
				if err := c.Tickets.LinkRecording(ctx, a.ticketID, rec.ID); err != nil {
					c.Log.Error("ticket: link recording", append(a.log(), "err", err)...)
				}
			}
			if c.RecordingFinished != nil {
				c.RecordingFinished()
			}
		}
	}
	if err := c.Bridges.Destroy(ctx, bridgeID); err != nil {
		c.Log.Warn("destroy bridge", append(a.log(), "err", err)...)
	}
}

// adoptConversation takes over a conversation that was bridged before a restart: the
// bridge and its recording went on in Asterisk. It follows it to its end, then closes
// the recording and starts the operator's wrap-up as converse does.
func (a *callActor) adoptConversation(ctx context.Context) error {
	c := a.ctl
	a.connected = true
	login := a.call.OperatorLogin
	var rec recordings.Rec
	if recs, err := c.Recordings.ByCall(ctx, a.call.ID); err == nil {
		for _, r := range recs {
			if r.State == recordings.Recording {
				rec = r
			}
		}
	}
	bridgeID, opID := "", ""
	if bs, err := c.Bridges.List(ctx); err == nil {
		for _, b := range bs {
			if !slices.Contains(b.Channels, a.channel.ID) {
				continue
			}
			bridgeID = b.ID
			for _, ch := range b.Channels {
				if ch != a.channel.ID && strings.Contains(ch, opLegMark) {
					opID = ch
				}
			}
		}
	}
	if bridgeID != "" {
		c.route("br:"+bridgeID, a)
	}
	if opID != "" {
		c.route("ch:"+opID, a)
		// Events of the operator's leg after StasisEnd need the subscription too.
		c.Applications.Subscribe(ctx, c.App, ari.ChannelSource(opID))
	}
	a.event(ctx, "adopted", map[string]any{"operator": login, "bridge": bridgeID, "recording": rec.Name})
	var endErr error
	for {
		ev, err := a.next(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			endErr = err
			if opID != "" {
				c.Channels.Hangup(context.WithoutCancel(ctx), opID, ari.HangupNormal)
			}
			break
		}
		if e, ok := ev.(*ari.ChannelDestroyed); ok && opID != "" && e.Channel.ID == opID {
			c.Channels.Hangup(ctx, a.channel.ID, ari.HangupNormal)
			a.awaitGone(ctx, 5*time.Second)
			endErr = errHungUp
			break
		}
	}
	ended := a.endedAt
	if ended.IsZero() {
		ended = c.Now()
	}
	if bridgeID != "" {
		a.closeConversation(context.WithoutCancel(ctx), bridgeID, rec, rec.ID != 0)
	}
	if login != "" {
		if err := c.Queue.CallEnded(context.WithoutCancel(ctx), login, a.call.ID, ended.Add(c.Settings.WrapUp)); err != nil {
			c.Log.Error("presence: call ended", append(a.log(), "login", login, "err", err)...)
		}
		c.Kick()
	}
	return endErr
}

// play plays media to the caller and waits until it has finished. With interruptible,
// a key press stops it. It returns the playback's final state.
func (a *callActor) play(ctx context.Context, what string, interruptible bool, media ...string) (string, error) {
	c := a.ctl
	started := c.Now()
	id, err := a.startPlayback(ctx, what, media...)
	if err != nil {
		return "", err
	}
	for {
		ev, err := a.next(ctx)
		if err != nil {
			return "", err
		}
		switch e := ev.(type) {
		case *ari.PlaybackFinished:
			if e.Playback.ID != id {
				continue
			}
			if what == "greeting" {
				a.event(ctx, "greeting_played", map[string]any{"media": media[0], "state": string(e.Playback.State),
					"seconds": c.Now().Sub(started).Seconds()})
			}
			return string(e.Playback.State), nil
		case *ari.ChannelDtmfReceived:
			if interruptible {
				c.Playbacks.Stop(ctx, id)
			}
		case *poke:
			// Events may have been lost: is the playback still going?
			if _, err := c.Playbacks.Get(ctx, id); ari.IsNotFound(err) {
				return "unknown", nil
			}
		}
	}
}

func (a *callActor) startPlayback(ctx context.Context, what string, media ...string) (string, error) {
	c := a.ctl
	id := fmt.Sprintf("%s-%s-%d", a.channel.ID, what, c.Now().UnixNano())
	if _, err := c.Channels.Play(ctx, a.channel.ID, ari.PlayParams{Media: media, Lang: a.language, PlaybackID: id}); err != nil {
		return "", a.gone(err, "play")
	}
	return id, nil
}

// next returns the next event for this call; errHungUp once the caller's channel is
// gone. Keys the caller presses are collected for the menu.
func (a *callActor) next(ctx context.Context) (ari.Event, error) { return a.nextOr(ctx, nil) }

// nextOr is next that also returns (nil, nil) when timeout fires.
func (a *callActor) nextOr(ctx context.Context, timeout <-chan time.Time) (ari.Event, error) {
	for {
		if a.destroyed {
			return nil, errHungUp
		}
		ev, err := a.take(ctx, timeout)
		if err != nil || ev == nil {
			return nil, err
		}
		mine := channelOf(ev) == a.channel.ID
		switch ev.(type) {
		case *ari.ChannelHangupRequest:
			if mine {
				continue
			}
		case *ari.StasisEnd, *ari.ChannelDestroyed:
			if mine {
				return nil, errHungUp
			}
		case *poke:
			if _, err := a.ctl.Channels.Get(ctx, a.channel.ID); ari.IsNotFound(err) {
				a.hangup, a.destroyed = true, true
				a.causeText = "channel gone while events were lost"
				if a.endedAt.IsZero() {
					a.endedAt = a.ctl.Now()
				}
				return nil, errHungUp
			}
		}
		return ev, nil
	}
}

// take returns the next event from the mailbox, skipping duplicates (Asterisk sends
// an event once per subscription that covers it), and notes what it says about the
// caller's channel: keys pressed, hang-up, its cause and time.
func (a *callActor) take(ctx context.Context, timeout <-chan time.Time) (ari.Event, error) {
	for {
		ev, err := a.inbox.getOr(ctx, timeout)
		if err != nil || ev == nil {
			return nil, err
		}
		if a.duplicate(ev) {
			continue
		}
		if channelOf(ev) != a.channel.ID {
			return ev, nil
		}
		switch e := ev.(type) {
		case *ari.ChannelDtmfReceived:
			a.digits = append(a.digits, e.Digit)
		case *ari.ChannelHangupRequest:
			a.hangup = true
			if e.Cause != 0 && (a.cause == 0 || !e.Soft) {
				a.cause = e.Cause
			}
			if a.endedAt.IsZero() {
				a.endedAt = e.Timestamp.Time
			}
		case *ari.StasisEnd:
			a.hangup = true
			if a.endedAt.IsZero() {
				a.endedAt = e.Timestamp.Time
			}
		case *ari.ChannelDestroyed:
			a.hangup, a.destroyed = true, true
			// A channel that left Stasis and ended in the dialplan may report no cause;
			// the hang-up request had it then.
			if e.Cause != 0 || a.cause == 0 {
				a.cause, a.causeText = e.Cause, e.CauseTxt
			} else if a.causeText == "" {
				a.causeText = causeText(a.cause)
			}
			if a.endedAt.IsZero() {
				a.endedAt = e.Timestamp.Time
			}
		}
		return ev, nil
	}
}

// duplicate reports whether ev equals one of the last events of this call.
func (a *callActor) duplicate(ev ari.Event) bool {
	if ev.Header().Type == "" { // the controller's own messages
		return false
	}
	for _, prev := range a.recent {
		if prev != nil && reflect.DeepEqual(prev, ev) {
			return true
		}
	}
	a.recent[a.recentN%len(a.recent)] = ev
	a.recentN++
	return false
}

// awaitGone waits for the caller's channel to be destroyed, at most d.
func (a *callActor) awaitGone(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		ev, err := a.nextOr(ctx, t.C)
		if err != nil {
			return err
		}
		if ev == nil {
			return errHungUp // close the record with what is known
		}
	}
}

// gone turns a 404 or 422 from Asterisk (the channel left) into errHungUp.
func (a *callActor) gone(err error, op string) error {
	if ari.IsNotFound(err) || ari.StatusCode(err) == 422 {
		a.hangup = true
		return errHungUp
	}
	return fmt.Errorf("%s: %w", op, err)
}

// finish closes the call record with its cause and outcome.
func (a *callActor) finish(ctx context.Context, flowErr error) {
	c := a.ctl
	if !a.destroyed {
		// StasisEnd came first: ChannelDestroyed, with the cause, follows shortly.
		a.awaitGone(ctx, 2*time.Second)
	}
	outcome := calls.Abandoned
	switch {
	case a.connected:
		outcome = calls.Answered
	case flowErr != nil && !errors.Is(flowErr, errHungUp):
		outcome = calls.Failed
	}
	endedAt := a.endedAt
	if endedAt.IsZero() {
		endedAt = c.Now()
	}
	ended, err := c.Calls.End(context.WithoutCancel(ctx), a.call.ID, endedAt, a.cause, a.causeText, outcome)
	if err != nil {
		c.Log.Error("cannot close call record", append(a.log(), "err", err)...)
		return
	}
	if ended {
		c.metrics.ended(outcome)
		c.Log.Info("call ended", append(a.log(), "outcome", outcome, "cause", a.cause)...)
	}
}

// event appends to the call's history; a failure is logged, not fatal to the call.
func (a *callActor) event(ctx context.Context, typ string, detail map[string]any) {
	err := a.ctl.Calls.AddEvent(context.WithoutCancel(ctx), a.call.ID, calls.Event{At: a.ctl.Now(), Type: typ, Detail: detail})
	if err != nil {
		a.ctl.Log.Error("cannot record call event", append(a.log(), "type", typ, "err", apperr.Message(err), "detail", err)...)
	}
}

// causeText names the common Q.850 causes.
func causeText(c int) string {
	switch c {
	case 16:
		return "Normal Clearing"
	case 17:
		return "User busy"
	case 19:
		return "User alerting, no answer"
	case 21:
		return "Call Rejected"
	}
	return ""
}
