package callflow

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/calls"
)

// Channel variables that let a restarted controller find a call again.
const varCallID = "IKOMEK_CALL_ID"

// errHungUp ends a call's flow: the caller's channel is gone.
var errHungUp = errors.New("caller hung up")

// callActor drives one caller channel.
type callActor struct {
	ctl     *Controller
	channel ari.Channel
	args    []string
	adopted bool // found in Stasis after a restart, not seen arriving
	inbox   *mailbox

	call       calls.Call
	greeted    bool
	hangup     bool // the channel is gone or going
	cause      int
	causeText  string
	destroyed  bool
	playbackID string
}

func (a *callActor) log() []any {
	return []any{"call_id", a.call.ID, "channel", a.channel.ID}
}

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

// arrive records the call (once per channel) and tags the channel with its id.
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
	a.call = call
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

// flow is what a caller goes through: answer, greeting, then the call is completed.
// (Queueing for an operator comes in here, after the greeting.)
func (a *callActor) flow(ctx context.Context) error {
	c := a.ctl
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
		if err := a.play(ctx, c.Greeting); err != nil {
			return err
		}
		a.greeted = true
	}
	// Nothing follows the greeting yet: the call has had its service.
	if err := c.Channels.Hangup(ctx, a.channel.ID, ari.HangupNormal); err != nil {
		return a.gone(err, "hangup")
	}
	return a.awaitGone(ctx, 5*time.Second)
}

// play plays media to the caller and waits until it has finished.
func (a *callActor) play(ctx context.Context, media string) error {
	c := a.ctl
	a.playbackID = fmt.Sprintf("%s-greeting-%d", a.channel.ID, c.Now().UnixNano())
	started := c.Now()
	if _, err := c.Channels.Play(ctx, a.channel.ID, ari.PlayParams{
		Media: []string{media}, Lang: a.call.Language, PlaybackID: a.playbackID,
	}); err != nil {
		return a.gone(err, "play")
	}
	for {
		ev, err := a.next(ctx)
		if err != nil {
			return err
		}
		switch e := ev.(type) {
		case *ari.PlaybackFinished:
			if e.Playback.ID != a.playbackID {
				continue
			}
			a.event(ctx, "greeting_played", map[string]any{"media": media, "state": string(e.Playback.State),
				"seconds": c.Now().Sub(started).Seconds()})
			return nil
		case *poke:
			// Events may have been lost: is the playback still going?
			if _, err := c.Playbacks.Get(ctx, a.playbackID); ari.IsNotFound(err) {
				a.event(ctx, "greeting_played", map[string]any{"media": media, "state": "unknown"})
				return nil
			}
		}
	}
}

// next returns the next event for this call; errHungUp once the channel is gone.
func (a *callActor) next(ctx context.Context) (ari.Event, error) {
	for {
		if a.destroyed {
			return nil, errHungUp
		}
		ev, err := a.inbox.get(ctx)
		if err != nil {
			return nil, err
		}
		switch e := ev.(type) {
		case *ari.ChannelHangupRequest:
			a.hangup = true
			if e.Cause != 0 {
				a.cause = e.Cause
			}
		case *ari.StasisEnd:
			a.hangup = true
			return nil, errHungUp
		case *ari.ChannelDestroyed:
			a.hangup, a.destroyed = true, true
			a.cause, a.causeText = e.Cause, e.CauseTxt
			return nil, errHungUp
		case *poke:
			if _, err := a.ctl.Channels.Get(ctx, a.channel.ID); ari.IsNotFound(err) {
				a.hangup, a.destroyed = true, true
				a.causeText = "channel gone while events were lost"
				return nil, errHungUp
			}
			return ev, nil
		default:
			return ev, nil
		}
	}
}

// awaitGone waits for the channel to be destroyed, at most d.
func (a *callActor) awaitGone(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		if _, err := a.next(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				return errHungUp // close the record with what is known
			}
			return err
		}
	}
}

// gone turns a 404 from Asterisk (the channel left) into errHungUp.
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
		a.awaitDestroyed(ctx, 2*time.Second)
	}
	outcome := calls.Abandoned
	switch {
	case flowErr != nil && !errors.Is(flowErr, errHungUp):
		outcome = calls.Failed
	case a.greeted:
		outcome = calls.Completed
	}
	ended, err := c.Calls.End(context.WithoutCancel(ctx), a.call.ID, c.Now(), a.cause, a.causeText, outcome)
	if err != nil {
		c.Log.Error("cannot close call record", append(a.log(), "err", err)...)
		return
	}
	if ended {
		c.metrics.ended(outcome)
		c.Log.Info("call ended", append(a.log(), "outcome", outcome, "cause", a.cause)...)
	}
}

func (a *callActor) awaitDestroyed(ctx context.Context, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for !a.destroyed {
		ev, err := a.inbox.get(ctx)
		if err != nil {
			return
		}
		if e, ok := ev.(*ari.ChannelDestroyed); ok {
			a.destroyed, a.cause, a.causeText = true, e.Cause, e.CauseTxt
		}
	}
}

// event appends to the call's history; a failure is logged, not fatal to the call.
func (a *callActor) event(ctx context.Context, typ string, detail map[string]any) {
	err := a.ctl.Calls.AddEvent(context.WithoutCancel(ctx), a.call.ID, calls.Event{At: a.ctl.Now(), Type: typ, Detail: detail})
	if err != nil {
		a.ctl.Log.Error("cannot record call event", append(a.log(), "type", typ, "err", apperr.Message(err), "detail", err)...)
	}
}
