package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/tickets"
)

// BenchmarkCreateBatch writes batches of new tickets one after the other on one
// connection, as one writer of the create queue does, and reports the time per
// ticket: the database's share of a ticket create, by batch size.
//
//	go test -run '^$' -bench CreateBatch ./internal/postgres/
func BenchmarkCreateBatch(b *testing.B) {
	ctx := context.Background()
	db, _ := ticketDB(b)
	db.Now = time.Now
	s := db.Tickets()
	codes := []string{"pothole", "water_leak", "street_lighting", "waste_not_collected", "snow_ice", "bus_stop"}
	for _, size := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			batch := make([]tickets.NewTicket, size)
			for i := range batch {
				batch[i] = tickets.NewTicket{Channel: tickets.Web, ServiceCode: codes[i%len(codes)],
					Address: fmt.Sprintf("пр. Абая, %d", i), Area: "Алматинский", Description: "Нагрузочный тест",
					Caller: tickets.Caller{Number: fmt.Sprintf("+7701%07d", i)}}
			}
			b.ResetTimer()
			for range b.N {
				for _, err := range s.CreateTogether(ctx, batch, operator) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*size), "µs/ticket")
		})
	}
}

// BenchmarkTicketView reads tickets with their history and callers one after the
// other, so that ns/op is the time one read takes: in one round trip (View) and, side
// by side, with three queries one after the other.
//
//	go test -run '^$' -bench TicketView ./internal/postgres/
func BenchmarkTicketView(b *testing.B) {
	ctx := context.Background()
	db, _ := ticketDB(b)
	s := db.Tickets()
	ids := make([]int64, 200)
	for i := range ids {
		tk, err := s.Create(ctx, tickets.NewTicket{Channel: tickets.Web, ServiceCode: "pothole",
			Address: fmt.Sprintf("ул. Кенесары, %d", i)}, operator)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = tk.ID
	}
	for _, m := range []struct {
		name string
		view func(context.Context, int64) (tickets.View, error)
	}{{"together", s.View}, {"apart", s.ViewApart}} {
		b.Run(m.name, func(b *testing.B) {
			for i := range b.N {
				v, err := m.view(ctx, ids[i%len(ids)])
				if err != nil || len(v.Events) == 0 {
					b.Fatalf("view: %v, %d events", err, len(v.Events))
				}
			}
		})
	}
}
