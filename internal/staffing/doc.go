// Package staffing computes how many operators an interval of the 109
// hotline needs: Erlang B, Erlang C and Erlang A (M/M/N+M, callers who
// abandon), the smallest agent count that meets a service target, and the
// scheduled headcount after shrinkage.
//
// All functions are pure: no I/O, no clocks, no global state. Loads are in
// Erlangs (calls × mean handle time / interval length).
//
// Sub-packages build on it: forecast turns interval history into demand and
// a requirements matrix, shiftplan covers the requirements with shifts,
// roster assigns named operators to the planned shifts.
package staffing
