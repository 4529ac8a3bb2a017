package dev.pixelflow.broker;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the broker's client listener binds and what address it gives clients, for a broker that clients reach by
 * another name than 127.0.0.1: in a container it binds 0.0.0.0 and advertises the name other containers resolve,
 * and an optional second plain listener (EXTERNAL) advertises the address a published port is reached by from
 * the host. The KRaft controller always stays on 127.0.0.1.
 *
 * @param bindAddress      interface of the client listeners
 * @param advertisedHost   host clients of the PLAINTEXT listener are told to connect to
 * @param externalPort     port of the EXTERNAL listener, 0 for none
 * @param externalAdvertised HOST:PORT the EXTERNAL listener advertises; null when there is none
 */
public record ClientListeners(String bindAddress, String advertisedHost, int externalPort, String externalAdvertised) {
    /** Today's default: everything on 127.0.0.1. */
    public static final ClientListeners LOOPBACK = new ClientListeners(LocalPorts.HOST, LocalPorts.HOST, 0, null);

    private static final Pattern EXTERNAL = Pattern.compile("(\\d{1,5})=([^\\s:=,]+:\\d{1,5})");
    private static final String WILDCARD = "0.0.0.0";

    public ClientListeners {
        requireHost("bindAddress", bindAddress);
        requireHost("advertisedHost", advertisedHost);
        if (externalPort < 0 || externalPort > 65_535) {
            throw new IllegalArgumentException("externalPort must be in 1..65535, or 0 for none, got " + externalPort);
        }
        if ((externalPort == 0) != (externalAdvertised == null)) {
            throw new IllegalArgumentException("an external listener needs both its port and its advertised HOST:PORT");
        }
    }

    /**
     * Listeners binding {@code bindAddress}; advertised as {@code advertisedHost}, or when that is null as the bind
     * address itself (localhost for 0.0.0.0, which no client can connect to elsewhere). {@code external} is null
     * or {@code PORT=HOST:PORT}.
     */
    public static ClientListeners of(String bindAddress, String advertisedHost, String external) {
        String advertised = advertisedHost != null ? advertisedHost
                : WILDCARD.equals(bindAddress) ? "localhost" : bindAddress;
        if (external == null) {
            return new ClientListeners(bindAddress, advertised, 0, null);
        }
        Matcher m = EXTERNAL.matcher(external);
        if (!m.matches()) {
            throw new IllegalArgumentException("--external-listener must be PORT=HOST:PORT (listen on PORT, advertise"
                    + " HOST:PORT), got '" + external + "'");
        }
        return new ClientListeners(bindAddress, advertised, Integer.parseInt(m.group(1)), m.group(2));
    }

    private static void requireHost(String name, String value) {
        Objects.requireNonNull(value, name);
        if (value.isBlank() || value.contains(":") || value.contains(",") || value.contains("/")) {
            throw new IllegalArgumentException(name + " must be a host name or IPv4 address, got '" + value + "'");
        }
    }
}
