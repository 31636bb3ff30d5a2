package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	urlErr := &url.Error{Op: "Post", URL: "https://x/rest/tracker-v1", Err: errors.New("connection reset")}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), false},
		{"canceled inside url.Error", &url.Error{Op: "Post", Err: context.Canceled}, false},
		{"deadline", context.DeadlineExceeded, true},
		{"url.Error", urlErr, true},
		{"net.OpError", &net.OpError{Op: "dial", Err: errors.New("refused")}, true},
		{"truncated body", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), true},
		{"empty body", ErrEmptyResponse, true},
		{"malformed", ErrMalformedResponse, false},
		{"too large", ErrResponseTooLarge, false},
		{"too big", ErrRequestTooBig, false},
		// Package core's input errors (ErrEmptyID, *ConfigError) are neither wire errors nor
		// network errors: stand-ins of both shapes.
		{"empty id", fmt.Errorf("personyze: command 1: %w", errInvalidInput), false},
		{"config", &inputError{field: "APIKey"}, false},
		{"401", &StatusError{StatusCode: 401}, false},
		{"400", &StatusError{StatusCode: 400}, false},
		{"403", &StatusError{StatusCode: 403}, false},
		{"408", &StatusError{StatusCode: 408}, true},
		{"429", &StatusError{StatusCode: 429}, true},
		{"500", &StatusError{StatusCode: 500}, true},
		{"503 wrapped", &PartialError{Err: &StatusError{StatusCode: 503}}, true},
		{"plain error", errors.New("x"), false},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("%s: Retryable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"12", 12 * time.Second},
		{"999999999999", time.Hour},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(timeFormatHTTP), 90 * time.Second},
		{now.Add(-time.Minute).Format(timeFormatHTTP), 0},
		{now.Add(48 * time.Hour).Format(timeFormatHTTP), time.Hour},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if RetryAfter(errors.New("x")) != 0 || RetryAfter(fmt.Errorf("w: %w", &StatusError{StatusCode: 503, RetryAfter: time.Second})) != time.Second {
		t.Error("RetryAfter does not unwrap StatusError")
	}
}

// errInvalidInput and inputError stand for package core's ErrEmptyID and *ConfigError.
var errInvalidInput = errors.New("personyze: empty id")

type inputError struct{ field string }

func (e *inputError) Error() string { return "personyze: Config." + e.field + ": invalid" }

const timeFormatHTTP = "Mon, 02 Jan 2006 15:04:05 GMT"

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&StatusError{StatusCode: 500, Message: "boom"}, "personyze: tracker call answered 500 Internal Server Error: boom"},
		{&StatusError{StatusCode: 599}, "personyze: tracker call answered 599"},
		{&PartialError{Sent: 1, Total: 3, Err: ErrUnavailable}, "personyze: split request failed after 1 of 3 calls: personyze: service unavailable (503)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
