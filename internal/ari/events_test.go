package ari

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fixtures returns the recorded events in testdata/events, keyed by file
// name. They were recorded from Asterisk 22 by the live tests (-ari.record).
func fixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no event fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// TestDecodeEventFixtures decodes every recorded event into its typed
// struct and checks that nothing Asterisk sent is lost: encoding the struct
// again gives back every non-empty value of the original.
func TestDecodeEventFixtures(t *testing.T) {
	for name, data := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			ev, err := DecodeEvent(data)
			if err != nil {
				t.Fatal(err)
			}
			h := ev.Header()
			typ := strings.TrimSuffix(name, ".json")
			if h.Type != typ {
				t.Errorf("Type = %q, want %q", h.Type, typ)
			}
			if u, ok := ev.(*Unknown); ok {
				t.Fatalf("decoded as *Unknown: %s", u.Raw)
			}
			if h.Application == "" || h.Timestamp.IsZero() || h.AsteriskID == "" {
				t.Errorf("header = %+v, want application, timestamp and asterisk_id", *h)
			}
			again, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			var orig, back any
			json.Unmarshal(data, &orig)
			json.Unmarshal(again, &back)
			for _, p := range lost(orig, back, "") {
				t.Errorf("value lost in decoding: %s", p)
			}
		})
	}
}

// lost lists the paths of non-empty values in orig that back lacks or
// changed.
func lost(orig, back any, path string) []string {
	switch o := orig.(type) {
	case map[string]any:
		b, _ := back.(map[string]any)
		var out []string
		for k, v := range o {
			out = append(out, lost(v, b[k], path+"."+k)...)
		}
		return out
	case []any:
		b, _ := back.([]any)
		if len(b) != len(o) {
			if len(o) == 0 {
				return nil
			}
			return []string{path}
		}
		var out []string
		for i := range o {
			out = append(out, lost(o[i], b[i], path+"[]")...)
		}
		return out
	case string, float64, bool:
		if reflect.ValueOf(o).IsZero() {
			return nil // omitempty may drop it; it decodes the same
		}
		if !reflect.DeepEqual(o, back) {
			return []string{path}
		}
	}
	return nil
}

func TestDecodeEventTyped(t *testing.T) {
	data := fixtures(t)["StasisStart.json"]
	ev, err := DecodeEvent(data)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := ev.(*StasisStart)
	if !ok {
		t.Fatalf("DecodeEvent() = %T, want *StasisStart", ev)
	}
	if s.Channel.ID == "" || s.Channel.Dialplan.AppName != "Stasis" || s.Channel.CreationTime.IsZero() {
		t.Errorf("channel = %+v", s.Channel)
	}
	if s.ReplaceChannel != nil {
		t.Errorf("ReplaceChannel = %+v, want nil when absent", s.ReplaceChannel)
	}
}

func TestDecodeEventUnknownType(t *testing.T) {
	in := []byte(`{"type":"ChannelTransfer","application":"app1","timestamp":"2025-05-14T10:03:07.512+0500","state":"x"}`)
	ev, err := DecodeEvent(in)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := ev.(*Unknown)
	if !ok {
		t.Fatalf("DecodeEvent() = %T, want *Unknown", ev)
	}
	if u.Type != "ChannelTransfer" || u.Application != "app1" || u.Timestamp.IsZero() || u.Err != nil {
		t.Errorf("Unknown header = %+v, err %v", u.EventHeader, u.Err)
	}
	if !bytes.Equal(u.Raw, in) {
		t.Errorf("Raw = %s, want the input", u.Raw)
	}
	in[2] = 'X' // Raw is a copy
	if u.Raw[2] == 'X' {
		t.Error("Raw aliases the input buffer")
	}
}

func TestDecodeEventMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", ``, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"array", `[{"type":"StasisStart"}]`, "not a JSON object"},
		{"truncated", `{"type":"StasisStart","channel":{`, "unexpected end"},
		{"trailing garbage", `{"type":"StasisEnd"} x`, "invalid character"},
		{"no type", `{"application":"a"}`, `"type"`},
		{"empty type", `{"type":""}`, `"type"`},
		{"numeric type", `{"type":5}`, `"type"`},
		{"wrong field type", `{"type":"StasisStart","channel":"c1"}`, "StasisStart event"},
		{"bad timestamp", `{"type":"StasisEnd","timestamp":"yesterday"}`, "bad date"},
		{"bad timestamp in unknown type", `{"type":"Foo","timestamp":17}`, "Foo event"},
		{"string cause", `{"type":"ChannelDestroyed","cause":"16"}`, "ChannelDestroyed event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := DecodeEvent([]byte(tc.in))
			if err == nil {
				t.Fatalf("DecodeEvent(%q) = %#v, want an error", tc.in, ev)
			}
			if ev != nil {
				t.Errorf("DecodeEvent(%q) returned event %#v with error", tc.in, ev)
			}
			if !errors.Is(err, ErrMalformedEvent) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want ErrMalformedEvent mentioning %q", err, tc.want)
			}
		})
	}
}

// FuzzDecodeEvent checks that DecodeEvent never panics, returns exactly one
// of an event or an error, and that a decoded typed event survives encoding
// and decoding again as the same type.
func FuzzDecodeEvent(f *testing.F) {
	for _, data := range fixtures(f) {
		f.Add(data)
	}
	for _, s := range []string{`{"type":"X"}`, `{"type":"StasisStart","args":null}`, `{"type":5}`, `[]`, `{"type":"Dial","peer":{"creationtime":""}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data)
		if (ev == nil) == (err == nil) {
			t.Fatalf("DecodeEvent() = %v, %v: want exactly one", ev, err)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformedEvent) {
				t.Fatalf("error %v does not wrap ErrMalformedEvent", err)
			}
			return
		}
		if ev.Header().Type == "" {
			t.Fatal("decoded event has no type")
		}
		if u, ok := ev.(*Unknown); ok {
			if !json.Valid(u.Raw) {
				t.Fatalf("Unknown.Raw is not valid JSON: %q", u.Raw)
			}
			return
		}
		again, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("encoding %T: %v", ev, err)
		}
		ev2, err := DecodeEvent(again)
		if err != nil {
			t.Fatalf("decoding re-encoded %T: %v\n%s", ev, err, again)
		}
		if reflect.TypeOf(ev2) != reflect.TypeOf(ev) {
			t.Fatalf("re-decoded as %T, was %T", ev2, ev)
		}
	})
}
