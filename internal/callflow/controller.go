// Package callflow is the controller's Stasis application: it takes each call that the
// dialplan hands over, keeps its record in the calls store, and drives the channel
// through ARI (answer, greeting, hang-up). Each call runs in its own goroutine fed by
// an unbounded mailbox, so one slow call never holds up the event stream or another
// call, and events of one call are handled in order.
package callflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/calls"
)

// Controller handles the calls of one Asterisk server.
type Controller struct {
	Log          *slog.Logger
	Calls        calls.Store
	Channels     ari.Channels
	Playbacks    ari.Playbacks
	Applications ari.Applications
	Asterisk     ari.Asterisk
	App          string // the Stasis application name
	Greeting     string // media URI played first
	Language     string // default prompt language
	Now          func() time.Time

	mu         sync.Mutex
	active     map[string]*callActor // by caller channel id
	asteriskID string
	wg         sync.WaitGroup
	metrics    *metrics
}

// Run handles events until ctx ends or the stream closes, then waits for the calls
// in hand to finish their current step.
func (c *Controller) Run(ctx context.Context, events <-chan ari.Event) error {
	if c.Now == nil {
		c.Now = time.Now
	}
	c.active = map[string]*callActor{}
	defer c.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			c.handle(ctx, ev)
		}
	}
}

// Active returns how many calls the controller is handling.
func (c *Controller) Active() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.active)
}

func (c *Controller) handle(ctx context.Context, ev ari.Event) {
	if c.Log.Enabled(ctx, slog.LevelDebug) {
		c.Log.Debug("ARI event", "type", ev.Header().Type, "channel", channelOf(ev), "event", fmt.Sprintf("%+v", ev))
	}
	switch e := ev.(type) {
	case *ari.Connected:
		c.Log.Info("ARI events connected", "app", c.App, "reconnect", e.Reconnect)
		// Resynchronising makes REST calls: never on the dispatching goroutine.
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := c.resync(ctx); err != nil && ctx.Err() == nil {
				c.Log.Error("resynchronisation failed", "err", err)
			}
		}()
		return
	case *ari.Disconnected:
		c.Log.Warn("ARI events disconnected; calls in Stasis keep their media", "err", e.Err)
		return
	case *ari.StasisStart:
		if e.AsteriskID != "" {
			c.setAsteriskID(e.AsteriskID)
		}
		c.start(ctx, e.Channel, e.Args, false)
		return
	}
	id := channelOf(ev)
	if id == "" {
		return
	}
	c.mu.Lock()
	a := c.active[id]
	c.mu.Unlock()
	if a != nil {
		a.inbox.put(ev)
	}
}

// start begins handling a caller channel, once per channel.
func (c *Controller) start(ctx context.Context, ch ari.Channel, args []string, adopted bool) {
	c.mu.Lock()
	if _, ok := c.active[ch.ID]; ok {
		c.mu.Unlock()
		return
	}
	a := &callActor{ctl: c, channel: ch, args: args, adopted: adopted, inbox: newMailbox()}
	c.active[ch.ID] = a
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			delete(c.active, ch.ID)
			c.mu.Unlock()
		}()
		a.run(ctx)
	}()
}

func (c *Controller) setAsteriskID(id string) {
	c.mu.Lock()
	c.asteriskID = id
	c.mu.Unlock()
}

func (c *Controller) getAsteriskID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.asteriskID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	info, err := c.Asterisk.Info(ctx, "system")
	if err != nil {
		return "", err
	}
	if info.System == nil || info.System.EntityID == "" {
		return "", errors.New("Asterisk reported no entity id")
	}
	c.setAsteriskID(info.System.EntityID)
	return info.System.EntityID, nil
}

// resync brings the controller in line with Asterisk after the event socket (re)opened:
// calls whose channel vanished while events were lost are closed, channels in Stasis
// that no goroutine handles (the controller restarted) are adopted, and calls in hand
// re-check what they were waiting for.
func (c *Controller) resync(ctx context.Context) (err error) {
	defer apperr.Wrap(&err, "resync")
	astID, err := c.getAsteriskID(ctx)
	if err != nil {
		return err
	}
	app, err := c.Applications.Get(ctx, c.App)
	if err != nil {
		return err
	}
	open, err := c.Calls.Open(ctx, astID)
	if err != nil {
		return err
	}
	inStasis := app.ChannelIDs
	c.mu.Lock()
	var inHand []*callActor
	for _, a := range c.active {
		inHand = append(inHand, a)
	}
	c.mu.Unlock()
	for _, a := range inHand {
		a.inbox.put(&poke{})
	}
	known := map[string]bool{}
	for _, call := range open {
		known[call.ChannelID] = true
		if slices.Contains(inStasis, call.ChannelID) {
			continue
		}
		c.mu.Lock()
		_, handled := c.active[call.ChannelID]
		c.mu.Unlock()
		if handled {
			continue // its own goroutine finds out through the poke
		}
		outcome := calls.Abandoned
		if call.State == calls.Connected {
			outcome = calls.Answered
		}
		ended, err := c.Calls.End(ctx, call.ID, c.Now(), 0, "channel gone while the controller was away", outcome)
		if err != nil {
			return err
		}
		if ended {
			c.metrics.ended(outcome)
			c.Log.Warn("call closed on resync: its channel is gone", "call_id", call.ID, "channel", call.ChannelID)
		}
	}
	for _, id := range inStasis {
		ch, err := c.Channels.Get(ctx, id)
		if ari.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("channel %s: %w", id, err)
		}
		// A channel that entered while events were lost has no record yet: it is a
		// new arrival, its line taken from the dialplan extension.
		c.start(ctx, *ch, []string{ch.Dialplan.Exten}, known[id])
	}
	return nil
}

// AsteriskIDForTest returns the entity id of the Asterisk server in hand ("" before
// the first event).
func (c *Controller) AsteriskIDForTest() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asteriskID
}
