// Package callflow is the controller's Stasis application: it takes each call that the
// dialplan hands over, keeps its record in the calls store, and drives it through ARI:
// answer, greeting, language menu, queue with music on hold and announcements, offers
// to operators, the recorded conversation in a mixing bridge, wrap-up. Each call runs
// in its own goroutine fed by an unbounded mailbox, so one slow call never holds up the
// event stream or another call, and events of one call are handled in order.
package callflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/ari"
	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/recordings"
)

// Controller handles the calls of one Asterisk server.
type Controller struct {
	Log            *slog.Logger
	Calls          calls.Store
	Queue          Queue
	Tickets        Tickets // may be nil
	QCCases        QCCases // may be nil
	Recordings     recordings.Store
	Channels       ari.Channels
	Bridges        ari.Bridges
	Playbacks      ari.Playbacks
	LiveRecordings ari.Recordings
	Applications   ari.Applications
	Endpoints      ari.Endpoints
	Asterisk       ari.Asterisk
	App            string // the Stasis application name
	Greeting       string // media URI played first
	Language       string // default prompt language
	Settings       Settings
	Now            func() time.Time
	// Prioritize returns a priority (0..9) for a call about to queue and why, e.g.
	// the caller has an overdue ticket; may be nil. The menu's emergency key wins
	// when it is higher.
	Prioritize func(ctx context.Context, call calls.Call) (priority int, reason string)
	// RecordingFinished is called when a recording is ready to be archived; may be nil.
	RecordingFinished func()
	// Observe receives latency figures (name, duration) for tests and benchmarks; may
	// be nil. Names: "dispatch" (operator free or call queued -> dial sent) and
	// "bridge" (operator answered -> bridged and recording started).
	Observe func(name string, d time.Duration)

	mu         sync.Mutex
	routes     map[string]*callActor // "ch:ID" and "br:ID" to the call they belong to
	callers    map[string]*callActor // by caller channel id
	byCall     map[int64]*callActor  // by call id, once recorded
	asteriskID string
	wg         sync.WaitGroup
	metrics    *metrics

	kick   chan time.Time // a reason to try distributing; carries when it arose
	kickMu sync.Mutex
	kickAt time.Time // earliest pending reason, zero when none
}

// Run handles events until ctx ends or the stream closes, then waits for the calls
// in hand to finish their current step.
func (c *Controller) Run(ctx context.Context, events <-chan ari.Event) error {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Settings.RingTimeout == 0 {
		c.Settings = DefaultSettings()
	}
	if c.metrics == nil {
		c.metrics = newMetrics()
	}
	c.routes = map[string]*callActor{}
	c.callers = map[string]*callActor{}
	c.byCall = map[int64]*callActor{}
	c.kick = make(chan time.Time, 1)
	defer c.wg.Wait()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.distribute(ctx)
	}()
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
	return len(c.callers)
}

// AsteriskID returns the entity id of the Asterisk server in hand ("" until it is
// known).
func (c *Controller) AsteriskID() string { return c.currentAsteriskID() }

func (c *Controller) currentAsteriskID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asteriskID
}

func (c *Controller) handle(ctx context.Context, ev ari.Event) {
	if c.Log.Enabled(ctx, slog.LevelDebug) {
		c.Log.Debug("ARI event", "type", ev.Header().Type, "route", routeOf(ev), "event", fmt.Sprintf("%+v", ev))
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
	case *ari.EndpointStateChange:
		c.registration(ctx, e.Endpoint)
		return
	case *ari.StasisStart:
		if e.AsteriskID != "" {
			c.setAsteriskID(e.AsteriskID)
		}
		if len(e.Args) > 0 && e.Args[0] == argOperatorLeg {
			c.mu.Lock()
			a := c.routes["ch:"+e.Channel.ID]
			c.mu.Unlock()
			if a != nil {
				a.inbox.put(ev)
				return
			}
			// An operator leg nobody waits for (its call ended, or a restart).
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.Channels.Hangup(ctx, e.Channel.ID, ari.HangupNormal)
			}()
			return
		}
		c.start(ctx, e.Channel, e.Args, false)
		return
	}
	key := routeOf(ev)
	if key == "" {
		return
	}
	c.mu.Lock()
	a := c.routes[key]
	c.mu.Unlock()
	if a != nil {
		a.inbox.put(ev)
	}
}

// registration records an operator softphone's registration and, when one comes
// online, tries to give it a call.
func (c *Controller) registration(ctx context.Context, ep ari.Endpoint) {
	if ep.Technology != "PJSIP" {
		return
	}
	online := ep.State == "online"
	known, err := c.Queue.SetRegistered(ctx, ep.Resource, online, c.currentAsteriskID())
	if err != nil {
		c.Log.Error("cannot record registration", "endpoint", ep.Resource, "err", err)
		return
	}
	if known {
		c.Log.Info("operator softphone", "login", ep.Resource, "online", online)
		if online {
			c.Kick()
		}
	}
}

// RefreshRegistrations re-reads every softphone's registration from Asterisk. The
// controller does so when its event socket opens; the application calls it again
// after adding operators to the live state (after a loss of Redis they come back
// unregistered while their phones are registered), and it mends a missed event.
func (c *Controller) RefreshRegistrations(ctx context.Context) error {
	eps, err := c.Endpoints.ListByTech(ctx, "PJSIP")
	if err != nil {
		return err
	}
	for _, ep := range eps {
		c.registration(ctx, ep)
	}
	return nil
}

// route sends the events of key ("ch:ID", "br:ID") to a.
func (c *Controller) route(key string, a *callActor) {
	c.mu.Lock()
	c.routes[key] = a
	c.mu.Unlock()
}

func (c *Controller) unroute(key string) {
	c.mu.Lock()
	delete(c.routes, key)
	c.mu.Unlock()
}

// start begins handling a caller channel, once per channel.
func (c *Controller) start(ctx context.Context, ch ari.Channel, args []string, adopted bool) {
	c.mu.Lock()
	if _, ok := c.callers[ch.ID]; ok {
		c.mu.Unlock()
		return
	}
	a := &callActor{ctl: c, channel: ch, args: args, adopted: adopted, inbox: newMailbox()}
	c.callers[ch.ID] = a
	c.routes["ch:"+ch.ID] = a
	c.mu.Unlock()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			delete(c.callers, ch.ID)
			for k, v := range c.routes {
				if v == a {
					delete(c.routes, k)
				}
			}
			if a.call.ID != 0 && c.byCall[a.call.ID] == a {
				delete(c.byCall, a.call.ID)
			}
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
	if id := c.currentAsteriskID(); id != "" {
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
// endpoint events are subscribed again and registrations re-read, calls whose channel
// vanished while events were lost are closed, channels in Stasis that no goroutine
// handles (the controller restarted) are adopted, and calls in hand re-check what they
// were waiting for.
func (c *Controller) resync(ctx context.Context) (err error) {
	defer apperr.Wrap(&err, "resync")
	astID, err := c.getAsteriskID(ctx)
	if err != nil {
		return err
	}
	if _, err := c.Applications.Subscribe(ctx, c.App, "endpoint:PJSIP"); err != nil {
		return fmt.Errorf("subscribe to endpoints: %w", err)
	}
	if err := c.RefreshRegistrations(ctx); err != nil {
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
	for _, a := range c.callers {
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
		_, handled := c.callers[call.ChannelID]
		c.mu.Unlock()
		if handled {
			continue // its own goroutine finds out through the poke
		}
		outcome := calls.Abandoned
		if call.State == calls.Connected {
			outcome = calls.Answered
		}
		c.Queue.Dequeue(ctx, call.ID)
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
		if strings.Contains(ch.ID, opLegMark) {
			continue // an operator leg: its call adopts or drops it
		}
		// A channel that entered while events were lost has no record yet: it is a
		// new arrival, its line taken from the dialplan.
		line := ch.Dialplan.AppData
		if _, args, ok := strings.Cut(line, ","); ok {
			line = args
		} else {
			line = ch.Dialplan.Exten
		}
		c.start(ctx, *ch, []string{line}, known[id])
	}
	c.Kick()
	return nil
}
