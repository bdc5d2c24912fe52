import { ConfigError } from '@app/config';
import { readTracingSettings } from './settings';

describe('tracing settings', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

  it('is off without an OTLP endpoint, or when the SDK is disabled', () => {
    expect(readTracingSettings({}, 'inventory')).toBeNull();
    expect(readTracingSettings({ OTEL_SERVICE_NAME: 'x' }, 'inventory')).toBeNull();
    expect(readTracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' }, 'inventory')).toBeNull();
  });

  it('exports protobuf under the app name by default', () => {
    expect(readTracingSettings(endpoint, 'account')).toEqual({
      protocol: 'http/protobuf',
      serviceName: 'account',
    });
    expect(
      readTracingSettings(
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' },
        'account',
      ),
    ).not.toBeNull();
  });

  it('takes the service name and the protocol from the standard variables', () => {
    expect(
      readTracingSettings(
        { ...endpoint, OTEL_SERVICE_NAME: 'shop-tcc', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
        'coordinator',
      ),
    ).toEqual({ protocol: 'http/json', serviceName: 'shop-tcc' });
    expect(
      readTracingSettings(
        {
          ...endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        },
        'coordinator',
      )?.protocol,
    ).toBe('http/json');
  });

  it('names the variable of a protocol or endpoint it cannot use', () => {
    expect(() =>
      readTracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'coordinator'),
    ).toThrow(
      new ConfigError(
        'OTEL_EXPORTER_OTLP_PROTOCOL',
        'must be one of http/protobuf, http/json, got "grpc"',
      ),
    );
    expect(() =>
      readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'coordinator'),
    ).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
