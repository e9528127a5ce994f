package qc

import (
	"strconv"
	"strings"
	"time"

	"github.com/ikomek/ikomek/internal/apperr"
)

// Cutoff returns the instant before which recordings are older than keep: a Go
// duration ("4320h") or a whole number of days, weeks, months or years ("180d",
// "26w", "6mo", "1y"), calendar-aware for months and years.
func Cutoff(now time.Time, keep string) (time.Time, error) {
	keep = strings.TrimSpace(keep)
	for _, u := range []struct {
		suffix  string
		y, m, d int
	}{{"mo", 0, 1, 0}, {"y", 1, 0, 0}, {"w", 0, 0, 7}, {"d", 0, 0, 1}} {
		if n, ok := strings.CutSuffix(keep, u.suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 {
				break
			}
			return now.AddDate(-v*u.y, -v*u.m, -v*u.d), nil
		}
	}
	d, err := time.ParseDuration(keep)
	if err != nil || d <= 0 {
		return time.Time{}, apperr.Errorf(apperr.Invalid,
			"retention %q: want a positive duration such as 180d, 26w, 6mo, 1y or 4320h", keep)
	}
	return now.Add(-d), nil
}
