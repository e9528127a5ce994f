package callflow

import (
	"context"
	"time"
)

// Kick asks the distributor to match waiting calls with free operators now: a call
// was queued, an operator became free, a softphone registered.
func (c *Controller) Kick() {
	now := c.Now()
	c.kickMu.Lock()
	if c.kickAt.IsZero() {
		c.kickAt = now
	}
	c.kickMu.Unlock()
	select {
	case c.kick <- now:
	default:
	}
}

// distribute claims (call, operator) pairs whenever kicked, and ends wrap-ups when
// they are due. Claims are atomic in the shared state, so several controllers may
// distribute at once; this one only claims calls of its own Asterisk.
func (c *Controller) distribute(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var wrapTimer *time.Timer
	defer func() {
		if wrapTimer != nil {
			wrapTimer.Stop()
		}
	}()
	wrapDue := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-wrapDue:
		case <-tick.C:
		}
		// Wrap-ups that ended make operators free.
		if done, err := c.Queue.WrapUpsDue(ctx); err != nil {
			if ctx.Err() == nil {
				c.Log.Error("cannot end wrap-ups", "err", err)
			}
		} else if len(done) > 0 {
			c.kickMu.Lock()
			if c.kickAt.IsZero() {
				c.kickAt = c.Now() // operators are free from now
			}
			c.kickMu.Unlock()
		}
		if next, err := c.Queue.NextWrapUpEnd(ctx); err == nil && !next.IsZero() {
			d := next.Sub(c.Now())
			if d < 0 {
				d = 0
			}
			if wrapTimer != nil {
				wrapTimer.Stop()
			}
			wrapTimer = time.AfterFunc(d, func() {
				select {
				case wrapDue <- struct{}{}:
				default:
				}
			})
		}
		c.kickMu.Lock()
		since := c.kickAt
		c.kickAt = time.Time{}
		c.kickMu.Unlock()
		if since.IsZero() {
			since = c.Now()
		}
		c.claimAll(ctx, since)
	}
}

// claimAll hands every pair that can be made now to its call.
func (c *Controller) claimAll(ctx context.Context, since time.Time) {
	astID := c.currentAsteriskID()
	if astID == "" {
		return
	}
	for {
		callID, login, ok, err := c.Queue.ClaimNext(ctx, astID)
		if err != nil {
			if ctx.Err() == nil {
				c.Log.Error("claim failed", "err", err)
			}
			return
		}
		if !ok {
			return
		}
		c.mu.Lock()
		a := c.byCall[callID]
		c.mu.Unlock()
		if a == nil {
			// The call left (or belongs to a controller that restarted and will
			// requeue it): give the operator back.
			c.Log.Warn("claimed a call not in hand; releasing", "call_id", callID, "login", login)
			c.Queue.Released(ctx, login, callID)
			c.Queue.Dequeue(ctx, callID)
			continue
		}
		a.inbox.put(&offer{Login: login, Since: since})
	}
}
