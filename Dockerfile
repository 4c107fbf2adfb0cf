# syntax=docker/dockerfile:1
# Build: docker build -t murr-sidecar .
# Run:   docker run -p 6379:6379 -p 8080:8080 -v murr:/data murr-sidecar
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go: a static binary for a distroless runtime.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/murr-sidecar ./cmd/murr-sidecar \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/murr-sidecar /usr/local/bin/murr-sidecar
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# In a pod the app reaches the sidecar over loopback; in a container the
# listeners must bind all interfaces to be reachable through the port map.
ENV MURR_LISTEN=0.0.0.0:6379 \
    MURR_HTTP_LISTEN=0.0.0.0:8080 \
    MURR_DATA_DIR=/data
EXPOSE 6379 8080
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/murr-sidecar"]
