package roster

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	tz := time.FixedZone("UTC+05:00", 5*3600)
	week := time.Date(2026, 11, 30, 0, 0, 0, 0, tz)
	shifts := []Shift{
		{Day: 0, Start: 8 * time.Hour, Length: 12 * time.Hour, Count: 3},
		{Day: 6, Start: 20 * time.Hour, Length: 12 * time.Hour, Count: 1},
	}
	breaks := [][]Break{{{Offset: 4 * time.Hour, Length: 30 * time.Minute, Count: 1}, {Offset: 5 * time.Hour, Length: time.Hour, Count: 1}}}
	res := Result{Staff: [][]string{{"a", "b", "c"}, {"d"}}}
	as := Schedule(week, shifts, breaks, res)
	if len(as) != 4 {
		t.Fatalf("assignments %+v", as)
	}
	t.Run("breaks go to the shift's operators in order, one each", func(t *testing.T) {
		if !as[0].BreakStartsAt.Equal(week.Add(12*time.Hour)) || !as[0].BreakEndsAt.Equal(week.Add(12*time.Hour+30*time.Minute)) ||
			!as[1].BreakStartsAt.Equal(week.Add(13*time.Hour)) || !as[1].BreakEndsAt.Equal(week.Add(14*time.Hour)) || as[2].BreakStartsAt != nil {
			t.Fatalf("breaks %+v", as[:3])
		}
	})
	t.Run("a Sunday night shift ends in the next week", func(t *testing.T) {
		d := as[3]
		if d.Login != "d" || !d.StartsAt.Equal(time.Date(2026, 12, 6, 20, 0, 0, 0, tz)) || !d.EndsAt.Equal(time.Date(2026, 12, 7, 8, 0, 0, 0, tz)) {
			t.Fatalf("night %+v", d)
		}
	})
	t.Run("on break within [start, end)", func(t *testing.T) {
		if !as[0].OnBreak(week.Add(12*time.Hour)) || as[0].OnBreak(week.Add(12*time.Hour+30*time.Minute)) || as[2].OnBreak(week.Add(12*time.Hour)) {
			t.Fatal("OnBreak")
		}
	})
}
