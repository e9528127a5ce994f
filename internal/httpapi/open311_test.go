package httpapi_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ikomek/ikomek/internal/tickets"
)

// These tests follow the GeoReport v2 specification (wiki.open311.org/GeoReport_v2):
// every method in XML, the required format, and JSON; its error shape and statuses.

type o311Resp struct {
	status int
	ctype  string
	body   []byte
}

func (f *ticketFixture) o311(t *testing.T, method, path string, form url.Values) o311Resp {
	t.Helper()
	var req *http.Request
	if method == "POST" {
		req, _ = http.NewRequest(method, f.srv.URL+"/open311/v2/"+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	} else {
		req, _ = http.NewRequest(method, f.srv.URL+"/open311/v2/"+path, nil)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return o311Resp{resp.StatusCode, resp.Header.Get("Content-Type"), b}
}

// errorsOf decodes a spec error body in either format, checking its shape.
func errorsOf(t *testing.T, format string, r o311Resp) []struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
} {
	t.Helper()
	var out struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []struct {
			Code        int    `xml:"code" json:"code"`
			Description string `xml:"description" json:"description"`
		} `xml:"error"`
	}
	if format == "json" {
		if err := json.Unmarshal(r.body, &out.Errors); err != nil {
			t.Fatalf("error body is not a JSON array: %s", r.body)
		}
	} else if err := xml.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("error body is not <errors>: %s", r.body)
	}
	if len(out.Errors) == 0 || out.Errors[0].Code != r.status || out.Errors[0].Description == "" {
		t.Fatalf("errors = %+v for status %d", out.Errors, r.status)
	}
	return out.Errors
}

var w3cRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$`)

func checkType(t *testing.T, format string, r o311Resp) {
	t.Helper()
	want := "text/xml; charset=utf-8"
	if format == "json" {
		want = "application/json; charset=utf-8"
	}
	if r.ctype != want {
		t.Fatalf("Content-Type %q, want %q", r.ctype, want)
	}
	if format == "xml" && !strings.HasPrefix(string(r.body), `<?xml version="1.0" encoding="utf-8"?>`) {
		t.Fatalf("XML without its declaration: %.80s", r.body)
	}
}

type xmlRequest struct {
	ServiceRequestID  string `xml:"service_request_id"`
	Status            string `xml:"status"`
	StatusNotes       string `xml:"status_notes"`
	ServiceName       string `xml:"service_name"`
	ServiceCode       string `xml:"service_code"`
	Description       string `xml:"description"`
	AgencyResponsible string `xml:"agency_responsible"`
	ServiceNotice     string `xml:"service_notice"`
	RequestedDatetime string `xml:"requested_datetime"`
	UpdatedDatetime   string `xml:"updated_datetime"`
	ExpectedDatetime  string `xml:"expected_datetime"`
	Address           string `xml:"address"`
	AddressID         string `xml:"address_id"`
	Zipcode           string `xml:"zipcode"`
	Lat               string `xml:"lat"`
	Long              string `xml:"long"`
	MediaURL          string `xml:"media_url"`
}

func TestOpen311Conformance(t *testing.T) {
	f := newTicketFixture(t)
	key := f.tokens["open311"]
	valid := func() url.Values {
		return url.Values{"api_key": {key}, "service_code": {"pothole"}, "lat": {"51.128207"}, "long": {"71.430411"},
			"address_string": {"пр. Мангилик Ел, 55"}, "description": {"Глубокая яма на правой полосе"},
			"email": {"citizen@example.kz"}, "first_name": {"Айдос"}, "last_name": {"Нурланов"}, "phone": {"+77015551234"},
			"device_id": {"android-1"}, "account_id": {"acc-77"}, "media_url": {"https://img.example.kz/p/1.jpg"},
			"attribute[size]": {"large"}}
	}

	for _, format := range []string{"xml", "json"} {
		t.Run("discovery."+format, func(t *testing.T) {
			r := f.o311(t, "GET", "discovery."+format, nil)
			checkType(t, format, r)
			var d struct {
				Changeset  string `xml:"changeset" json:"changeset"`
				Contact    string `xml:"contact" json:"contact"`
				KeyService string `xml:"key_service" json:"key_service"`
				Endpoints  []struct {
					Specification string   `xml:"specification" json:"specification"`
					URL           string   `xml:"url" json:"url"`
					Type          string   `xml:"type" json:"type"`
					Formats       []string `xml:"formats>format" json:"formats"`
				} `xml:"endpoints>endpoint" json:"endpoints"`
			}
			decode(t, format, r.body, &d)
			if r.status != 200 || d.Changeset == "" || d.Contact == "" || d.KeyService == "" || len(d.Endpoints) != 1 ||
				d.Endpoints[0].Specification != "http://wiki.open311.org/GeoReport_v2" ||
				!strings.HasSuffix(d.Endpoints[0].URL, "/open311/v2") || len(d.Endpoints[0].Formats) != 2 {
				t.Fatalf("discovery = %d %+v", r.status, d)
			}
		})

		t.Run("services."+format, func(t *testing.T) {
			r := f.o311(t, "GET", "services."+format, nil)
			checkType(t, format, r)
			type service struct {
				ServiceCode string `xml:"service_code" json:"service_code"`
				ServiceName string `xml:"service_name" json:"service_name"`
				Metadata    bool   `xml:"metadata" json:"metadata"`
				Type        string `xml:"type" json:"type"`
				Keywords    string `xml:"keywords" json:"keywords"`
				Group       string `xml:"group" json:"group"`
			}
			var ss []service
			if format == "xml" {
				var x struct {
					XMLName  xml.Name  `xml:"services"`
					Services []service `xml:"service"`
				}
				decode(t, format, r.body, &x)
				ss = x.Services
			} else {
				decode(t, format, r.body, &ss)
			}
			if r.status != 200 || len(ss) != len(tickets.CitySeed().Categories) {
				t.Fatalf("services = %d, %d", r.status, len(ss))
			}
			for _, s := range ss {
				if s.ServiceCode == "illegal_parking" && (!s.Metadata || s.Type != "realtime" || s.Group != "parking" ||
					!strings.Contains(s.Keywords, ", ")) {
					t.Fatalf("illegal_parking = %+v", s)
				}
				if s.ServiceCode == "water_leak" && s.Metadata {
					t.Fatalf("water_leak has no attributes: %+v", s)
				}
			}
		})

		t.Run("service definition."+format, func(t *testing.T) {
			r := f.o311(t, "GET", "services/illegal_parking."+format, nil)
			checkType(t, format, r)
			var d struct {
				XMLName     xml.Name `xml:"service_definition" json:"-"`
				ServiceCode string   `xml:"service_code" json:"service_code"`
				Attributes  []struct {
					Variable bool   `xml:"variable" json:"variable"`
					Code     string `xml:"code" json:"code"`
					Datatype string `xml:"datatype" json:"datatype"`
					Required bool   `xml:"required" json:"required"`
					Order    int    `xml:"order" json:"order"`
					Values   []struct {
						Key  string `xml:"key" json:"key"`
						Name string `xml:"name" json:"name"`
					} `xml:"values>value" json:"values"`
				} `xml:"attributes>attribute" json:"attributes"`
			}
			decode(t, format, r.body, &d)
			if r.status != 200 || d.ServiceCode != "illegal_parking" || len(d.Attributes) != 2 ||
				d.Attributes[0].Code != "plate" || !d.Attributes[0].Required || d.Attributes[1].Datatype != "singlevaluelist" ||
				len(d.Attributes[1].Values) != 5 || d.Attributes[1].Order != 2 {
				t.Fatalf("definition = %d %+v", r.status, d)
			}
			if format == "json" && !strings.Contains(string(r.body), `"datatype_description":null`) {
				t.Fatalf("an empty datatype_description is null in JSON: %s", r.body)
			}
		})
	}

	before := count(t, f, `SELECT count(*) FROM tickets`)
	for _, tc := range []struct {
		name   string
		method string
		path   string
		form   func(url.Values)
		status int
	}{
		{"POST without api_key", "POST", "requests", func(v url.Values) { v.Del("api_key") }, 403},
		{"POST with an invalid api_key", "POST", "requests", func(v url.Values) { v.Set("api_key", "ikm_nope") }, 403},
		{"POST with an operator's token", "POST", "requests", func(v url.Values) { v.Set("api_key", f.tokens["operator"]) }, 403},
		{"POST without service_code", "POST", "requests", func(v url.Values) { v.Del("service_code") }, 400},
		{"POST with an unknown service_code", "POST", "requests", func(v url.Values) { v.Set("service_code", "teleport") }, 404},
		{"POST without a location", "POST", "requests", func(v url.Values) { v.Del("lat"); v.Del("long"); v.Del("address_string") }, 400},
		{"POST with lat but no long", "POST", "requests", func(v url.Values) { v.Del("long"); v.Del("address_string") }, 400},
		{"POST with a malformed lat", "POST", "requests", func(v url.Values) { v.Set("lat", "north") }, 400},
		{"POST with a description over 4000 characters", "POST", "requests",
			func(v url.Values) { v.Set("description", strings.Repeat("ж", 4001)) }, 400},
		{"POST with a value not in the list", "POST", "requests", func(v url.Values) { v.Set("attribute[size]", "huge") }, 400},
		{"POST with an unknown attribute", "POST", "requests", func(v url.Values) { v.Set("attribute[colour]", "red") }, 400},
		{"POST without a required attribute", "POST", "requests", func(v url.Values) {
			v.Set("service_code", "illegal_parking")
			v.Del("attribute[size]")
		}, 400},
		{"POST with a bad media_url", "POST", "requests", func(v url.Values) { v.Set("media_url", "javascript:alert(1)") }, 400},
		{"GET an unknown service definition", "GET", "services/teleport", nil, 404},
		{"GET requests with an unknown service_code", "GET", "requests?service_code=teleport", nil, 404},
		{"GET requests with a malformed start_date", "GET", "requests?start_date=yesterday", nil, 400},
		{"GET requests with a date without zone", "GET", "requests?start_date=2026-01-01T00:00:00", nil, 400},
		{"GET requests over more than 90 days", "GET",
			"requests?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z", nil, 400},
		{"GET requests ending before they start", "GET",
			"requests?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", nil, 400},
		{"GET requests with an unknown status", "GET", "requests?status=pending", nil, 400},
		{"GET an unknown request", "GET", "requests/109-2026-999999", nil, 404},
		{"GET an unknown resource", "GET", "tokens/1", nil, 404},
	} {
		for _, format := range []string{"xml", "json"} {
			t.Run(tc.name+"."+format, func(t *testing.T) {
				path := tc.path
				if i := strings.IndexByte(path, '?'); i >= 0 {
					path = path[:i] + "." + format + path[i:]
				} else {
					path += "." + format
				}
				var form url.Values
				if tc.method == "POST" {
					form = valid()
					tc.form(form)
				}
				r := f.o311(t, tc.method, path, form)
				if r.status != tc.status {
					t.Fatalf("%s %s = %d %s, want %d", tc.method, path, r.status, r.body, tc.status)
				}
				checkType(t, format, r)
				errorsOf(t, format, r)
			})
		}
	}
	if after := count(t, f, `SELECT count(*) FROM tickets`); after != before {
		t.Fatalf("refused requests created %d tickets", after-before)
	}

	// A valid request in each format.
	ids := map[string]string{}
	for _, format := range []string{"xml", "json"} {
		r := f.o311(t, "POST", "requests."+format, valid())
		checkType(t, format, r)
		var created []struct {
			ServiceRequestID string  `xml:"service_request_id" json:"service_request_id"`
			ServiceNotice    string  `xml:"service_notice" json:"service_notice"`
			AccountID        *string `xml:"account_id" json:"account_id"`
		}
		if format == "xml" {
			var x struct {
				XMLName  xml.Name `xml:"service_requests"`
				Requests []struct {
					ServiceRequestID string  `xml:"service_request_id"`
					ServiceNotice    string  `xml:"service_notice"`
					AccountID        *string `xml:"account_id"`
				} `xml:"request"`
			}
			decode(t, format, r.body, &x)
			for _, q := range x.Requests {
				created = append(created, struct {
					ServiceRequestID string  `xml:"service_request_id" json:"service_request_id"`
					ServiceNotice    string  `xml:"service_notice" json:"service_notice"`
					AccountID        *string `xml:"account_id" json:"account_id"`
				}(q))
			}
		} else {
			decode(t, format, r.body, &created)
		}
		if r.status != 200 || len(created) != 1 || !strings.HasPrefix(created[0].ServiceRequestID, "109-") ||
			created[0].ServiceNotice == "" || created[0].AccountID == nil || *created[0].AccountID != "acc-77" {
			t.Fatalf("POST requests.%s = %d %s", format, r.status, r.body)
		}
		ids[format] = created[0].ServiceRequestID
	}

	t.Run("the created request reads back", func(t *testing.T) {
		r := f.o311(t, "GET", "requests/"+ids["xml"]+".xml", nil)
		var x struct {
			XMLName  xml.Name     `xml:"service_requests"`
			Requests []xmlRequest `xml:"request"`
		}
		decode(t, "xml", r.body, &x)
		if r.status != 200 || len(x.Requests) != 1 {
			t.Fatalf("GET request = %d %s", r.status, r.body)
		}
		q := x.Requests[0]
		if q.ServiceRequestID != ids["xml"] || q.Status != "open" || q.ServiceCode != "pothole" || q.ServiceName == "" ||
			q.AgencyResponsible == "" || q.Address != "пр. Мангилик Ел, 55" || q.Lat != "51.128207" || q.Long != "71.430411" ||
			q.MediaURL != "https://img.example.kz/p/1.jpg" || q.Description != "Глубокая яма на правой полосе" {
			t.Fatalf("request = %+v", q)
		}
		for _, ts := range []string{q.RequestedDatetime, q.UpdatedDatetime, q.ExpectedDatetime} {
			if !w3cRE.MatchString(ts) {
				t.Fatalf("datetime %q is not W3C with zone", ts)
			}
		}
		requested, _ := time.Parse(time.RFC3339, q.RequestedDatetime)
		expected, _ := time.Parse(time.RFC3339, q.ExpectedDatetime)
		if d := expected.Sub(requested); d != 240*time.Hour { // the pothole policy: 10 days
			t.Fatalf("expected_datetime is %v after the request, want the SLA's 240h", d)
		}
		for _, element := range []string{"<zipcode></zipcode>", "<status_notes></status_notes>", "<address_id></address_id>"} {
			if !strings.Contains(string(r.body), element) {
				t.Fatalf("empty fields are empty elements; no %s in %s", element, r.body)
			}
		}
		// Personal data never leaves through the public API.
		for _, pii := range []string{"citizen@example.kz", "+77015551234", "Нурланов", "android-1"} {
			if strings.Contains(string(r.body), pii) {
				t.Fatalf("GET request shows %q", pii)
			}
		}

		var js []map[string]any
		r = f.o311(t, "GET", "requests/"+ids["json"]+".json", nil)
		decode(t, "json", r.body, &js)
		if len(js) != 1 || js[0]["status_notes"] != nil || js[0]["zipcode"] != nil || js[0]["lat"] != 51.128207 ||
			js[0]["service_request_id"] != ids["json"] {
			t.Fatalf("JSON request = %v", js)
		}
	})

	t.Run("closed, duplicate and cancelled map to closed", func(t *testing.T) {
		tk, err := f.db.Tickets().ByReference(context.Background(), ids["json"])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.Tickets().Transition(context.Background(), tk.ID, tickets.Transition{Version: tk.Version,
			To: tickets.Cancelled, Note: "Дубль обращения по телефону"}, tickets.Actor{Role: "supervisor", Name: "Lead"}); err != nil {
			t.Fatal(err)
		}
		var js []map[string]any
		decode(t, "json", f.o311(t, "GET", "requests.json?status=closed", nil).body, &js)
		if len(js) != 1 || js[0]["service_request_id"] != ids["json"] || js[0]["status"] != "closed" ||
			js[0]["status_notes"] != "Дубль обращения по телефону" {
			t.Fatalf("closed requests = %v", js)
		}
		decode(t, "json", f.o311(t, "GET", "requests.json?status=open&service_code=pothole", nil).body, &js)
		if len(js) != 1 || js[0]["service_request_id"] != ids["xml"] {
			t.Fatalf("open requests = %v", js)
		}
	})

	t.Run("service_request_id overrides the other filters", func(t *testing.T) {
		var js []map[string]any
		r := f.o311(t, "GET", "requests.json?service_request_id="+ids["xml"]+","+ids["json"]+
			"&status=open&service_code=water_leak&start_date=2000-01-01T00:00:00Z", nil)
		decode(t, "json", r.body, &js)
		if r.status != 200 || len(js) != 2 {
			t.Fatalf("by ids = %d %s", r.status, r.body)
		}
	})

	t.Run("the date range filters on requested_datetime", func(t *testing.T) {
		now := time.Now().UTC()
		var js []map[string]any
		q := url.Values{"start_date": {now.Add(-time.Hour).Format(time.RFC3339)}, "end_date": {now.Add(time.Hour).Format(time.RFC3339)}}
		decode(t, "json", f.o311(t, "GET", "requests.json?"+q.Encode(), nil).body, &js)
		if len(js) != 2 {
			t.Fatalf("this hour: %d requests", len(js))
		}
		q = url.Values{"start_date": {now.Add(-72 * time.Hour).Format(time.RFC3339)}, "end_date": {now.Add(-48 * time.Hour).Format(time.RFC3339)}}
		decode(t, "json", f.o311(t, "GET", "requests.json?"+q.Encode(), nil).body, &js)
		if len(js) != 0 {
			t.Fatalf("two days ago: %d requests", len(js))
		}
	})

	t.Run("extensions show the channel and public notes", func(t *testing.T) {
		var js []map[string]any
		decode(t, "json", f.o311(t, "GET", "requests/"+ids["json"]+".json?extensions=true", nil).body, &js)
		ext, _ := js[0]["extended_attributes"].(map[string]any)
		notes, _ := js[0]["notes"].([]any)
		if ext["channel"] != "api" || len(notes) < 2 {
			t.Fatalf("extended request = %v", js[0])
		}
	})

	t.Run("phone tickets without a category are not published", func(t *testing.T) {
		var callID int64
		f.db.Pool.QueryRow(context.Background(), `INSERT INTO calls (asterisk_id, channel_id, line, arrived_at)
			VALUES ('a', 'c', '109', now()) RETURNING id`).Scan(&callID)
		tk, _, err := f.db.Tickets().CreateForCall(context.Background(), tickets.CallTicket{CallID: callID, Line: "109"})
		if err != nil {
			t.Fatal(err)
		}
		if r := f.o311(t, "GET", "requests/"+tk.Reference+".json", nil); r.status != 404 {
			t.Fatalf("uncategorised ticket = %d", r.status)
		}
	})
}

func decode(t *testing.T, format string, b []byte, v any) {
	t.Helper()
	var err error
	if format == "json" {
		err = json.Unmarshal(b, v)
	} else {
		err = xml.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("decode %s: %v\n%s", format, err, b)
	}
}

func count(t *testing.T, f *ticketFixture, sql string) int {
	t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
