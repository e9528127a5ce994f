package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ikomek/ikomek/internal/calls"
	"github.com/ikomek/ikomek/internal/tickets"
)

// callTickets is the ticket store as the call flow needs it.
type callTickets struct{ s tickets.Store }

func (t callTickets) OpenForCall(ctx context.Context, callID int64, caller, line string, at time.Time) (int64, error) {
	tk, _, err := t.s.CreateForCall(ctx, tickets.CallTicket{CallID: callID, CallerNumber: caller, Line: line, ArrivedAt: at})
	return tk.ID, err
}

func (t callTickets) SetOperator(ctx context.Context, ticketID int64, login string) error {
	return t.s.SetCallOperator(ctx, ticketID, login)
}

func (t callTickets) LinkRecording(ctx context.Context, ticketID, recordingID int64) error {
	return t.s.LinkRecording(ctx, ticketID, recordingID)
}

// OverduePriority is the queue priority of a caller with an overdue open ticket.
const OverduePriority = 3

// prioritize puts first a caller whose earlier ticket is past its resolution deadline.
func (t callTickets) prioritize(now func() time.Time) func(context.Context, calls.Call) (int, string) {
	return func(ctx context.Context, c calls.Call) (int, string) {
		if c.CallerNumber == "" {
			return 0, ""
		}
		ts, err := t.s.CallerTickets(ctx, c.CallerNumber, 20)
		if err != nil {
			return 0, ""
		}
		for _, tk := range ts {
			if tk.CallID != nil && *tk.CallID == c.ID {
				continue
			}
			if tk.Overdue(now()) {
				return OverduePriority, fmt.Sprintf("ticket %s overdue", tk.Reference)
			}
		}
		return 0, ""
	}
}
