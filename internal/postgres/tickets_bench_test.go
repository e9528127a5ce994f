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
