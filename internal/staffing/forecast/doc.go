// Package forecast turns a history of interval observations (calls offered
// and handle seconds per interval) into a demand forecast per weekday and
// interval of the day for a target month, with a handle time measured from
// that history, and turns the forecast into a matrix of scheduled
// operators with the Erlang models of package staffing.
//
// Seasonality: each observed day is weighted by how close its date is to
// the target month in the yearly cycle (a Gaussian kernel in months), so a
// January forecast is made of winter days, whose peak is early in the
// morning, and a July forecast of summer days. A recency half-life can
// favour recent years, and a growth factor scales the volume.
//
// The package does no I/O beyond parsing a reader; a database adapter
// provides []Observation the same way ParseCSV does.
package forecast
