package ari

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The spec in testdata/api-docs is what Asterisk 22 serves at
// /ari/api-docs/{resource}.json (Swagger 1.2).

type specModel struct {
	ID         string                  `json:"id"`
	SubTypes   []string                `json:"subTypes"`
	Properties map[string]specProperty `json:"properties"`
}

type specProperty struct {
	Type     string `json:"type"`
	Required bool   `json:"required"`
}

// loadSpecModels returns every model of every resource file, with the
// properties inherited through subTypes (e.g. Message -> Event -> StasisStart)
// merged in.
func loadSpecModels(tb testing.TB) map[string]specModel {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "api-docs", "*.json"))
	if err != nil || len(files) < 10 {
		tb.Fatalf("spec files: %v (%d found)", err, len(files))
	}
	models := map[string]specModel{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var doc struct {
			Models map[string]specModel `json:"models"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for name, m := range doc.Models {
			models[name] = m
		}
	}
	parent := map[string]string{}
	for name, m := range models {
		for _, sub := range m.SubTypes {
			parent[sub] = name
		}
	}
	merged := map[string]specModel{}
	for name := range models {
		props := map[string]specProperty{}
		for p := name; p != ""; p = parent[p] {
			for k, v := range models[p].Properties {
				props[k] = v
			}
		}
		merged[name] = specModel{ID: name, Properties: props}
	}
	return merged
}

// specTypes maps the Go models to the spec's. Events map to the model named
// by their "type".
func specTypes() map[reflect.Type]string {
	m := map[reflect.Type]string{
		reflect.TypeFor[Channel]():         "Channel",
		reflect.TypeFor[CallerID]():        "CallerID",
		reflect.TypeFor[DialplanCEP]():     "DialplanCEP",
		reflect.TypeFor[Variable]():        "Variable",
		reflect.TypeFor[Bridge]():          "Bridge",
		reflect.TypeFor[Playback]():        "Playback",
		reflect.TypeFor[LiveRecording]():   "LiveRecording",
		reflect.TypeFor[StoredRecording](): "StoredRecording",
		reflect.TypeFor[Endpoint]():        "Endpoint",
		reflect.TypeFor[Application]():     "Application",
		reflect.TypeFor[DeviceState]():     "DeviceState",
		reflect.TypeFor[AsteriskInfo]():    "AsteriskInfo",
		reflect.TypeFor[BuildInfo]():       "BuildInfo",
		reflect.TypeFor[SystemInfo]():      "SystemInfo",
		reflect.TypeFor[ConfigInfo]():      "ConfigInfo",
		reflect.TypeFor[SetID]():           "SetId",
		reflect.TypeFor[StatusInfo]():      "StatusInfo",
		reflect.TypeFor[AsteriskPing]():    "AsteriskPing",
		reflect.TypeFor[ConfigTuple]():     "ConfigTuple",
		reflect.TypeFor[ContactInfo]():     "ContactInfo",
		reflect.TypeFor[Peer]():            "Peer",
		reflect.TypeFor[TextMessage]():     "TextMessage",
	}
	for typ, newEvent := range eventTypes {
		m[reflect.TypeOf(newEvent()).Elem()] = typ
	}
	return m
}

// jsonFields returns the JSON fields of struct type t, flattening embedded
// structs, keyed by JSON name.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			continue // Go-only fields such as Unknown.Raw
		}
		out[name] = f
	}
	return out
}

// TestModelsMatchSpec checks each Go model against the spec: every JSON
// field exists in the spec with a compatible type, every spec property has
// a field, and optional nested models are pointers so "absent" shows.
func TestModelsMatchSpec(t *testing.T) {
	spec := loadSpecModels(t)
	types := specTypes()
	for goType, name := range types {
		t.Run(name, func(t *testing.T) {
			model, ok := spec[name]
			if !ok {
				t.Fatalf("spec has no model %q for %v", name, goType)
			}
			fields := jsonFields(goType)
			for jsonName, f := range fields {
				p, ok := model.Properties[jsonName]
				if !ok {
					t.Errorf("%v.%s: json field %q is not in spec model %s", goType, f.Name, jsonName, name)
					continue
				}
				if msg := typeMismatch(p, f.Type, types); msg != "" {
					t.Errorf("%v.%s (%s: %s): %s", goType, f.Name, jsonName, p.Type, msg)
				}
			}
			var missing []string
			for prop := range model.Properties {
				if _, ok := fields[prop]; !ok {
					missing = append(missing, prop)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%v lacks spec properties %v", goType, missing)
			}
		})
	}
}

// typeMismatch explains why Go type gt cannot hold spec property p, or
// returns "".
func typeMismatch(p specProperty, gt reflect.Type, types map[reflect.Type]string) string {
	st := p.Type
	if inner, ok := strings.CutPrefix(st, "List["); ok {
		if gt.Kind() != reflect.Slice {
			return "want a slice"
		}
		return typeMismatch(specProperty{Type: strings.TrimSuffix(inner, "]"), Required: true}, gt.Elem(), types)
	}
	kinds := map[string][]reflect.Kind{
		"string":  {reflect.String},
		"int":     {reflect.Int, reflect.Int32, reflect.Int64},
		"long":    {reflect.Int64},
		"double":  {reflect.Float64},
		"boolean": {reflect.Bool},
	}
	switch {
	case kinds[st] != nil:
		for _, k := range kinds[st] {
			if gt.Kind() == k {
				return ""
			}
		}
		return "want kind " + kinds[st][0].String() + ", have " + gt.String()
	case st == "Date":
		if gt != reflect.TypeFor[Time]() {
			return "want ari.Time"
		}
	case st == "object":
		if gt.Kind() != reflect.Map && gt != reflect.TypeFor[json.RawMessage]() {
			return "want a map or json.RawMessage"
		}
	default: // a model
		elem := gt
		if gt.Kind() == reflect.Pointer {
			elem = gt.Elem()
		} else if !p.Required {
			return "optional model, want a pointer"
		}
		if types[elem] != st {
			return "want the Go type of model " + st + ", have " + gt.String()
		}
	}
	return ""
}
