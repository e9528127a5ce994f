package ari

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// TimeLayout is how ARI writes dates: milliseconds and a numeric zone offset
// without a colon, e.g. "2025-05-14T10:03:07.512+0500".
const TimeLayout = "2006-01-02T15:04:05.000-0700"

// Time is an ARI date. It decodes ARI's own layout as well as RFC 3339, and
// encodes with TimeLayout. The empty string decodes to the zero Time.
type Time struct {
	time.Time
}

// MarshalJSON encodes t with TimeLayout; the zero Time encodes as "".
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.Format(TimeLayout))
}

// UnmarshalJSON accepts a JSON string in TimeLayout or RFC 3339, "" or null.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("ari: date must be a string: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{TimeLayout, "2006-01-02T15:04:05-0700", time.RFC3339Nano} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("ari: bad date %q, want layout %s", s, TimeLayout)
}
