package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ikomek/ikomek/internal/apperr"
	"github.com/ikomek/ikomek/internal/auth"
	"github.com/ikomek/ikomek/internal/tickets"
)

// Open311 GeoReport v2 at /open311/v2/: the public face of the same tickets. XML is
// the spec's required format, JSON its optional one; both are served. Errors are the
// spec's arrays of {code, description}: 404 for what does not exist, 403 for a missing
// or wrong api_key, 400 for anything else.

const (
	open311Prefix   = "/open311/v2/"
	open311Spec     = "http://wiki.open311.org/GeoReport_v2"
	open311MaxRange = 90 * 24 * time.Hour
	open311MaxPage  = 1000
)

func (s *Server) open311Routes() {
	if s.Catalog == nil {
		return
	}
	s.mux.HandleFunc("GET "+open311Prefix+"{file}", s.open311Root)
	s.mux.HandleFunc("POST "+open311Prefix+"{file}", s.open311Post)
	s.mux.HandleFunc("GET "+open311Prefix+"services/{file}", s.open311Service)
	s.mux.HandleFunc("GET "+open311Prefix+"requests/{file}", s.open311Request)
	s.mux.HandleFunc("/open311/", func(w http.ResponseWriter, r *http.Request) {
		_, format, ok := splitFormat(r.URL.Path)
		if !ok {
			format = "xml"
		}
		o311Error(w, format, http.StatusNotFound, "no such Open311 resource: %s %s", r.Method, r.URL.Path)
	})
}

// splitFormat splits "services.json" into "services" and "json".
func splitFormat(file string) (name, format string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 {
		return file, "xml", false
	}
	name, format = file[:i], file[i+1:]
	return name, format, format == "xml" || format == "json"
}

// nullString is a text field that JSON shows as null when empty and XML as an
// empty element, as the spec's examples do.
type nullString string

func (n nullString) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(n))
}

// optFloat is a coordinate that may be missing: null in JSON, an empty element in XML.
type optFloat struct {
	v  float64
	ok bool
}

func optional(p *float64) optFloat {
	if p == nil {
		return optFloat{}
	}
	return optFloat{*p, true}
}

func (f optFloat) MarshalJSON() ([]byte, error) {
	if !f.ok {
		return []byte("null"), nil
	}
	return json.Marshal(f.v)
}

func (f optFloat) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	v := ""
	if f.ok {
		v = strconv.FormatFloat(f.v, 'f', -1, 64)
	}
	return e.EncodeElement(v, start)
}

// w3c formats a time as the spec wants: ISO 8601 with the zone.
func w3c(t time.Time) string { return t.In(time.Local).Format(time.RFC3339) }

type o311Errors struct {
	XMLName xml.Name  `xml:"errors" json:"-"`
	Errors  []o311Err `xml:"error"`
}

type o311Err struct {
	Code        int    `xml:"code" json:"code"`
	Description string `xml:"description" json:"description"`
}

func o311Write(w http.ResponseWriter, format string, status int, xmlBody, jsonBody any) {
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(jsonBody)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(`<?xml version="1.0" encoding="utf-8"?>` + "\n"))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	enc.Encode(xmlBody)
	w.Write([]byte("\n"))
}

func o311Error(w http.ResponseWriter, format string, status int, msg string, args ...any) {
	e := o311Err{Code: status, Description: fmt.Sprintf(msg, args...)}
	o311Write(w, format, status, o311Errors{Errors: []o311Err{e}}, []o311Err{e})
}

// o311Fail answers an application error the spec's way.
func (s *Server) o311Fail(w http.ResponseWriter, r *http.Request, format string, err error) {
	status := http.StatusBadRequest
	switch apperr.Code(err) {
	case apperr.NotFound:
		status = http.StatusNotFound
	case apperr.Unauthorized, apperr.Forbidden:
		status = http.StatusForbidden
	case apperr.Internal:
		if s.Log != nil {
			s.Log.Error("open311 request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		status = http.StatusInternalServerError
	case apperr.Unavailable:
		status = http.StatusServiceUnavailable
	}
	o311Error(w, format, status, "%s", apperr.Message(err))
}

func (s *Server) open311Root(w http.ResponseWriter, r *http.Request) {
	name, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		o311Error(w, "xml", http.StatusBadRequest, "format %q: use .xml or .json", format)
		return
	}
	switch name {
	case "discovery":
		s.open311Discovery(w, r, format)
	case "services":
		s.open311Services(w, r, format)
	case "requests":
		s.open311Requests(w, r, format)
	default:
		o311Error(w, format, http.StatusNotFound, "no such Open311 resource: %s", name)
	}
}

type o311Discovery struct {
	XMLName    xml.Name       `xml:"discovery" json:"-"`
	Changeset  string         `xml:"changeset" json:"changeset"`
	Contact    string         `xml:"contact" json:"contact"`
	KeyService string         `xml:"key_service" json:"key_service"`
	Endpoints  []o311Endpoint `xml:"endpoints>endpoint" json:"endpoints"`
}

type o311Endpoint struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(open311Prefix, "/")
}

func (s *Server) open311Discovery(w http.ResponseWriter, r *http.Request, format string) {
	cs, err := s.Catalog.Categories(r.Context(), true)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	// The changeset moves whenever the services or their definitions change.
	var changed time.Time
	for _, c := range cs {
		if c.UpdatedAt.After(changed) {
			changed = c.UpdatedAt
		}
	}
	d := o311Discovery{Changeset: w3c(changed),
		Contact:    "iKomek 109, the city's citizen hotline: dial 109",
		KeyService: "API keys (open311 tokens) are issued by the iKomek 109 administrators",
		Endpoints: []o311Endpoint{{Specification: open311Spec, URL: baseURL(r), Changeset: w3c(changed),
			Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	o311Write(w, format, http.StatusOK, d, d)
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services" json:"-"`
	Services []o311Service `xml:"service"`
}

type o311Service struct {
	ServiceCode string     `xml:"service_code" json:"service_code"`
	ServiceName string     `xml:"service_name" json:"service_name"`
	Description nullString `xml:"description" json:"description"`
	Metadata    bool       `xml:"metadata" json:"metadata"`
	Type        string     `xml:"type" json:"type"`
	Keywords    nullString `xml:"keywords" json:"keywords"`
	Group       nullString `xml:"group" json:"group"`
}

func (s *Server) open311Services(w http.ResponseWriter, r *http.Request, format string) {
	cs, err := s.Catalog.Categories(r.Context(), false)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	out := o311Services{Services: []o311Service{}}
	for _, c := range cs {
		out.Services = append(out.Services, o311Service{ServiceCode: c.ServiceCode, ServiceName: c.Name,
			Description: nullString(c.Description), Metadata: len(c.Attributes) > 0, Type: string(c.Type),
			Keywords: nullString(strings.Join(c.Keywords, ", ")), Group: nullString(c.Group)})
	}
	o311Write(w, format, http.StatusOK, out, out.Services)
}

type o311Definition struct {
	XMLName     xml.Name        `xml:"service_definition" json:"-"`
	ServiceCode string          `xml:"service_code" json:"service_code"`
	Attributes  []o311Attribute `xml:"attributes>attribute" json:"attributes"`
}

type o311Attribute struct {
	Variable            bool        `xml:"variable" json:"variable"`
	Code                string      `xml:"code" json:"code"`
	Datatype            string      `xml:"datatype" json:"datatype"`
	Required            bool        `xml:"required" json:"required"`
	DatatypeDescription nullString  `xml:"datatype_description" json:"datatype_description"`
	Order               int         `xml:"order" json:"order"`
	Description         string      `xml:"description" json:"description"`
	Values              []o311Value `xml:"values>value,omitempty" json:"values,omitempty"`
}

type o311Value struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

func (s *Server) open311Service(w http.ResponseWriter, r *http.Request) {
	code, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		o311Error(w, "xml", http.StatusBadRequest, "format %q: use .xml or .json", format)
		return
	}
	c, err := s.Catalog.Category(r.Context(), code)
	if err == nil && !c.Active {
		err = apperr.Errorf(apperr.NotFound, "service_code %s not found", code)
	}
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	out := o311Definition{ServiceCode: c.ServiceCode, Attributes: []o311Attribute{}}
	for _, a := range c.Attributes {
		oa := o311Attribute{Variable: a.Variable, Code: a.Code, Datatype: a.Datatype, Required: a.Required,
			DatatypeDescription: nullString(a.DatatypeDescription), Order: a.Order, Description: a.Description}
		for _, v := range a.Values {
			oa.Values = append(oa.Values, o311Value{Key: v.Key, Name: v.Name})
		}
		out.Attributes = append(out.Attributes, oa)
	}
	o311Write(w, format, http.StatusOK, out, out)
}

type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests" json:"-"`
	Requests []o311Request `xml:"request"`
}

type o311Request struct {
	ServiceRequestID  string        `xml:"service_request_id" json:"service_request_id"`
	Status            string        `xml:"status" json:"status"`
	StatusNotes       nullString    `xml:"status_notes" json:"status_notes"`
	ServiceName       nullString    `xml:"service_name" json:"service_name"`
	ServiceCode       string        `xml:"service_code" json:"service_code"`
	Description       nullString    `xml:"description" json:"description"`
	AgencyResponsible nullString    `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     nullString    `xml:"service_notice" json:"service_notice"`
	RequestedDatetime string        `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   string        `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  nullString    `xml:"expected_datetime" json:"expected_datetime"`
	Address           nullString    `xml:"address" json:"address"`
	AddressID         nullString    `xml:"address_id" json:"address_id"`
	Zipcode           nullString    `xml:"zipcode" json:"zipcode"`
	Lat               optFloat      `xml:"lat" json:"lat"`
	Long              optFloat      `xml:"long" json:"long"`
	MediaURL          nullString    `xml:"media_url" json:"media_url"`
	Extended          *o311Extended `xml:"extended_attributes,omitempty" json:"extended_attributes,omitempty"`
	Notes             []o311Note    `xml:"notes>note,omitempty" json:"notes,omitempty"`
}

// o311Extended is the common "extensions=true" extension: how the request came in.
type o311Extended struct {
	Channel         string `xml:"channel" json:"channel"`
	Status          string `xml:"ikomek_status" json:"ikomek_status"`
	EscalationLevel int    `xml:"escalation_level" json:"escalation_level"`
}

// o311Note is one public step of the history ("notes" extension).
type o311Note struct {
	Datetime    string `xml:"datetime" json:"datetime"`
	Description string `xml:"description" json:"description"`
	Type        string `xml:"type" json:"type"`
}

// catalogIndex holds the catalogue for rendering requests.
type catalogIndex struct {
	cats map[string]tickets.Category
	deps map[string]tickets.Department
}

func (s *Server) catalogIndex(r *http.Request) (catalogIndex, error) {
	ix := catalogIndex{cats: map[string]tickets.Category{}, deps: map[string]tickets.Department{}}
	cs, err := s.Catalog.Categories(r.Context(), true)
	if err != nil {
		return ix, err
	}
	for _, c := range cs {
		ix.cats[c.ServiceCode] = c
	}
	ds, err := s.Catalog.Departments(r.Context())
	if err != nil {
		return ix, err
	}
	for _, d := range ds {
		ix.deps[d.Code] = d
	}
	return ix, nil
}

// notice is the service notice of a ticket: who handles it and by when.
func (ix catalogIndex) notice(t tickets.Ticket) string {
	parts := []string{}
	if n := ix.cats[t.ServiceCode].Notice; n != "" {
		parts = append(parts, n)
	}
	if d, ok := ix.deps[t.WithDepartment()]; ok {
		parts = append(parts, "Передано: "+d.Name+".")
	}
	if t.SLA != nil && t.Status.Active() {
		parts = append(parts, "Ожидаемый срок решения: "+w3c(t.SLA.ResolutionDueAt)+".")
	}
	return strings.Join(parts, " ")
}

func (ix catalogIndex) request(t tickets.Ticket, evs []tickets.Event) o311Request {
	o := o311Request{ServiceRequestID: t.Reference, Status: t.Status.Open311(), StatusNotes: nullString(t.StatusNotes),
		ServiceName: nullString(ix.cats[t.ServiceCode].Name), ServiceCode: t.ServiceCode,
		Description: nullString(t.Description), AgencyResponsible: nullString(ix.deps[t.DepartmentCode].Name),
		ServiceNotice: nullString(ix.notice(t)), RequestedDatetime: w3c(t.CreatedAt),
		UpdatedDatetime: w3c(t.UpdatedAt), Address: nullString(t.Address), AddressID: nullString(t.AddressID),
		Lat: optional(t.Lat), Long: optional(t.Long), MediaURL: nullString(t.MediaURL)}
	if t.ClosedAt != nil && t.Status.Final() {
		o.UpdatedDatetime = w3c(*t.ClosedAt) // the spec: for closed requests, when it was closed
	}
	if t.SLA != nil {
		o.ExpectedDatetime = nullString(w3c(t.SLA.ResolutionDueAt))
	}
	if evs != nil {
		o.Extended = &o311Extended{Channel: string(t.Channel), Status: string(t.Status), EscalationLevel: t.EscalationLevel}
		for _, e := range evs {
			if !e.Public {
				continue
			}
			desc := e.Reason
			if desc == "" {
				desc = string(e.To)
			}
			o.Notes = append(o.Notes, o311Note{Datetime: w3c(e.At), Description: desc, Type: string(e.Type)})
		}
	}
	return o
}

// open311Filter reads GET requests' arguments.
func (s *Server) open311Filter(r *http.Request) (f tickets.Filter, err error) {
	q := r.URL.Query()
	f.Categorised = true
	page, size := 1, open311MaxPage
	if v := q.Get("page_size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > open311MaxPage {
			return f, apperr.Errorf(apperr.Invalid, "page_size must be 1 to %d", open311MaxPage)
		}
	}
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return f, apperr.Errorf(apperr.Invalid, "page must be a positive integer")
		}
	}
	f.Limit, f.Offset = size, (page-1)*size
	// service_request_id overrides every other argument.
	if ids := splitList(q.Get("service_request_id")); len(ids) > 0 {
		f.References = ids
		return f, nil
	}
	for _, code := range splitList(strings.Join(q["service_code"], ",")) {
		if _, err := s.Catalog.Category(r.Context(), code); err != nil {
			return f, apperr.Errorf(apperr.NotFound, "service_code %s not found", code)
		}
		f.ServiceCodes = append(f.ServiceCodes, code)
	}
	for _, st := range splitList(strings.Join(q["status"], ",")) {
		switch st {
		case "open":
			f.Statuses = append(f.Statuses, tickets.ActiveStatuses...)
			f.Statuses = append(f.Statuses, tickets.Resolved)
		case "closed":
			f.Statuses = append(f.Statuses, tickets.FinalStatuses...)
		default:
			return f, apperr.Errorf(apperr.Invalid, "status %q: use open or closed", st)
		}
	}
	var start, end time.Time
	if v := q.Get("start_date"); v != "" {
		if start, err = tickets.ParseW3CTime(v); err != nil {
			return f, apperr.Errorf(apperr.Invalid, "start_date: %s", apperr.Message(err))
		}
	}
	if v := q.Get("end_date"); v != "" {
		if end, err = tickets.ParseW3CTime(v); err != nil {
			return f, apperr.Errorf(apperr.Invalid, "end_date: %s", apperr.Message(err))
		}
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = time.Now()
		start = end.Add(-open311MaxRange)
	case start.IsZero():
		start = end.Add(-open311MaxRange)
	case end.IsZero():
		end = start.Add(open311MaxRange)
	}
	if end.Before(start) {
		return f, apperr.Errorf(apperr.Invalid, "end_date is before start_date")
	}
	if end.Sub(start) > open311MaxRange {
		return f, apperr.Errorf(apperr.Invalid, "start_date and end_date may not span more than 90 days")
	}
	f.From, f.To = start, end.Add(time.Microsecond) // end_date is inclusive (timestamps are in µs)
	return f, nil
}

func (s *Server) open311Requests(w http.ResponseWriter, r *http.Request, format string) {
	f, err := s.open311Filter(r)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	ts, _, err := s.Tickets.Search(r.Context(), f)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	s.o311WriteRequests(w, r, format, ts)
}

func (s *Server) o311WriteRequests(w http.ResponseWriter, r *http.Request, format string, ts []tickets.Ticket) {
	ix, err := s.catalogIndex(r)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	ext := r.URL.Query().Get("extensions") == "true"
	out := o311Requests{Requests: []o311Request{}}
	for _, t := range ts {
		var evs []tickets.Event
		if ext {
			if evs, err = s.Tickets.Events(r.Context(), t.ID); err != nil {
				s.o311Fail(w, r, format, err)
				return
			}
			if evs == nil {
				evs = []tickets.Event{}
			}
		}
		out.Requests = append(out.Requests, ix.request(t, evs))
	}
	o311Write(w, format, http.StatusOK, out, out.Requests)
}

func (s *Server) open311Request(w http.ResponseWriter, r *http.Request) {
	id, format, ok := splitFormat(r.PathValue("file"))
	if !ok {
		o311Error(w, "xml", http.StatusBadRequest, "format %q: use .xml or .json", format)
		return
	}
	t, err := s.Tickets.ByReference(r.Context(), id)
	if err == nil && t.ServiceCode == "" {
		err = apperr.Errorf(apperr.NotFound, "service request %s not found", id)
	}
	if apperr.Code(err) == apperr.NotFound {
		err = apperr.Errorf(apperr.NotFound, "service request %s not found", id)
	}
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	s.o311WriteRequests(w, r, format, []tickets.Ticket{t})
}

type o311Created struct {
	XMLName  xml.Name             `xml:"service_requests" json:"-"`
	Requests []o311CreatedRequest `xml:"request"`
}

type o311CreatedRequest struct {
	ServiceRequestID string     `xml:"service_request_id" json:"service_request_id"`
	ServiceNotice    nullString `xml:"service_notice" json:"service_notice"`
	AccountID        nullString `xml:"account_id" json:"account_id"`
}

// attributesOf reads attribute[code]=v and attribute[code][]=v form fields.
func attributesOf(form url.Values) (map[string][]string, error) {
	out := map[string][]string{}
	for k, vs := range form {
		if !strings.HasPrefix(k, "attribute[") {
			continue
		}
		code, rest, ok := strings.Cut(strings.TrimPrefix(k, "attribute["), "]")
		if !ok || code == "" || (rest != "" && rest != "[]") {
			return nil, apperr.Errorf(apperr.Invalid, "malformed attribute field %q: use attribute[code] or attribute[code][]", k)
		}
		for _, v := range vs {
			if v != "" {
				out[code] = append(out[code], v)
			}
		}
	}
	return out, nil
}

func (s *Server) open311Post(w http.ResponseWriter, r *http.Request) {
	name, format, ok := splitFormat(r.PathValue("file"))
	if !ok || name != "requests" {
		if !ok {
			o311Error(w, "xml", http.StatusBadRequest, "format %q: use .xml or .json", format)
		} else {
			o311Error(w, format, http.StatusNotFound, "only requests.%s takes POST", format)
		}
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			o311Error(w, format, http.StatusBadRequest, "request body larger than 1 MiB")
			return
		}
		o311Error(w, format, http.StatusBadRequest, "malformed form: %v", err)
		return
	}
	form := r.PostForm
	key := form.Get("api_key")
	if key == "" {
		o311Error(w, format, http.StatusForbidden, "api_key is required -- can't proceed with create_request")
		return
	}
	p, err := s.Tokens.Authenticate(r.Context(), key)
	if err != nil || !p.Is(auth.Open311) {
		if err != nil && apperr.Code(err) != apperr.Unauthorized {
			s.o311Fail(w, r, format, err)
			return
		}
		o311Error(w, format, http.StatusForbidden, "Invalid api_key received -- can't proceed with create_request")
		return
	}
	in, err := open311NewTicket(form)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	t, err := s.Tickets.Create(r.Context(), in, actorOf(p))
	if apperr.Code(err) == apperr.NotFound && strings.Contains(apperr.Message(err), "service code") {
		err = apperr.Errorf(apperr.NotFound, "service_code %s not found", in.ServiceCode)
	}
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	ix, err := s.catalogIndex(r)
	if err != nil {
		s.o311Fail(w, r, format, err)
		return
	}
	out := o311CreatedRequest{ServiceRequestID: t.Reference, ServiceNotice: nullString(ix.notice(t)),
		AccountID: nullString(t.Caller.AccountID)}
	o311Write(w, format, http.StatusOK, o311Created{Requests: []o311CreatedRequest{out}}, []o311CreatedRequest{out})
}

// open311NewTicket reads a POST requests form into a new ticket.
func open311NewTicket(form url.Values) (tickets.NewTicket, error) {
	in := tickets.NewTicket{Channel: tickets.API, ServiceCode: strings.TrimSpace(form.Get("service_code")),
		Address: form.Get("address_string"), AddressID: form.Get("address_id"), Description: form.Get("description"),
		MediaURL: strings.TrimSpace(form.Get("media_url")),
		Caller: tickets.Caller{Number: form.Get("phone"), FirstName: form.Get("first_name"),
			LastName: form.Get("last_name"), Email: form.Get("email"), DeviceID: form.Get("device_id"),
			AccountID: form.Get("account_id")}}
	if in.ServiceCode == "" {
		return in, apperr.Errorf(apperr.Invalid, "service_code is required")
	}
	if n := utf8.RuneCountInString(in.Description); n > tickets.MaxDescription {
		return in, apperr.Errorf(apperr.Invalid, "description has %d characters; the limit is %d", n, tickets.MaxDescription)
	}
	lat, long := strings.TrimSpace(form.Get("lat")), strings.TrimSpace(form.Get("long"))
	if (lat == "") != (long == "") {
		return in, apperr.Errorf(apperr.Invalid, "lat and long must both be sent")
	}
	if lat != "" {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil {
			return in, apperr.Errorf(apperr.Invalid, "lat and long must be WGS84 decimal degrees")
		}
		in.Lat, in.Long = &la, &lo
	}
	if in.Lat == nil && strings.TrimSpace(in.Address) == "" && strings.TrimSpace(in.AddressID) == "" {
		return in, apperr.Errorf(apperr.Invalid, "a location is required: lat and long, address_string or address_id")
	}
	if in.MediaURL != "" {
		if u, err := url.Parse(in.MediaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return in, apperr.Errorf(apperr.Invalid, "media_url must be an http(s) URL")
		}
	}
	if in.Caller.Email != "" && !strings.Contains(in.Caller.Email, "@") {
		return in, apperr.Errorf(apperr.Invalid, "email %q is not an email address", in.Caller.Email)
	}
	attrs, err := attributesOf(form)
	if err != nil {
		return in, err
	}
	in.Attributes = attrs
	return in, nil
}
