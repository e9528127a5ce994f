package callflow

import (
	"context"
	"sync"
	"time"

	"github.com/ikomek/ikomek/internal/ari"
)

// mailbox is an unbounded FIFO of events for one call: the dispatcher never blocks on
// a slow call and never drops an event.
type mailbox struct {
	mu     sync.Mutex
	items  []ari.Event
	notify chan struct{}
}

func newMailbox() *mailbox { return &mailbox{notify: make(chan struct{}, 1)} }

func (m *mailbox) put(ev ari.Event) {
	m.mu.Lock()
	m.items = append(m.items, ev)
	m.mu.Unlock()
	select {
	case m.notify <- struct{}{}:
	default:
	}
}

// getOr returns the next event, waiting until one arrives; (nil, nil) when timeout
// fires first (a nil timeout never fires); ctx's error when it ends.
func (m *mailbox) getOr(ctx context.Context, timeout <-chan time.Time) (ari.Event, error) {
	for {
		m.mu.Lock()
		if len(m.items) > 0 {
			ev := m.items[0]
			m.items[0] = nil
			m.items = m.items[1:]
			m.mu.Unlock()
			return ev, nil
		}
		m.mu.Unlock()
		select {
		case <-m.notify:
		case <-timeout:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
