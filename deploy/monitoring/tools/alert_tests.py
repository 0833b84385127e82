# Run in deploy/monitoring: python3 tools/alert_tests.py && promtool test rules svidd-alerts-test.yaml
# Writes deploy/monitoring/svidd-alerts-test.yaml: one firing case per alert (expected
# annotations rendered from the rules file, so the two cannot drift) plus quiet cases.
import yaml, sys
rules = yaml.safe_load(open('svidd-alerts.yaml'))
alerts = {r['alert']: r for g in rules['groups'] for r in g['rules'] if 'alert' in r}
DAY = 86400
I = 'svidd-0'
def series(name, values, **labels):
    labels = dict(job='svidd', instance=I, **labels)
    lab = ','.join(f'{k}="{v}"' for k, v in labels.items())
    return {'series': f'{name}{{{lab}}}', 'values': values}
# Expiry gauges hold a timestamp: promtool's clock starts at 0, so "now + N days" is N*86400.
cases = [
  ('SviddDown', [series('up', '0x20')], '10m', {'job': 'svidd', 'instance': I}),
  ('SviddNotServing', [series('svidd_serving', '0x20')], '10m', {'job': 'svidd', 'instance': I}),
  ('SviddSigningCaExpiringSoon', [series('svidd_ca_certificate_expiry_timestamp_seconds', f'{2*DAY}x120', role='signer')], '90m',
   {'job': 'svidd', 'instance': I, 'role': 'signer', '__name__': None}),
  ('SviddSigningCaExpiring', [series('svidd_ca_certificate_expiry_timestamp_seconds', f'{DAY//2}x30', role='signer')], '20m',
   {'job': 'svidd', 'instance': I, 'role': 'signer'}),
  ('SviddRootExpiringSoon', [series('svidd_ca_certificate_expiry_timestamp_seconds', f'{60*DAY}x120', role='root')], '90m',
   {'job': 'svidd', 'instance': I, 'role': 'root'}),
  ('SviddRootExpiring', [series('svidd_ca_certificate_expiry_timestamp_seconds', f'{20*DAY}x30', role='root')], '20m',
   {'job': 'svidd', 'instance': I, 'role': 'root'}),
  ('SviddRenewalsFailing', [series('svidd_renewals_requested_total', '0+5x90'),
                            series('svidd_certificates_issued_total', '10x90', kind='workload', api='rotation')], '60m', {}),
  ('SviddRefusalsHigh', [series('svidd_requests_refused_total', '0+3x60', reason='unauthenticated/token-issuer'),
                         series('svidd_certificates_issued_total', '0+10x60', kind='workload', api='istio')], '40m', {}),
  ('SviddCertificatesExpiringWithoutSuccessor',
   [series('svidd_certificates_expiring_without_successor', '0 0 0 3x60')], '40m', {}),
  ('SviddConnectionsShed', [series('svidd_connections_shed_total', '0+20x40')], '30m', {'instance': I}),
  ('SviddAcceptDescriptorsExhausted', [series('svidd_accept_descriptors_exhausted_total', '0 0 0 1 1 1')], '5m',
   {'instance': I}),
  ('SviddLedgerWriteErrors', [series('svidd_ledger_write_errors_total', '0 0 0 1 2 3 4 5 6 7')], '5m', {}),
  ('SviddSigningErrors', [series('citadel_server_csr_sign_err_count', '0+1x30', error='CERT_GEN_ERROR')], '20m', {}),
  ('SviddCaNotReady', [series('svidd_requests_refused_total', '0+1x30', reason='unavailable/ca-not-ready')], '15m', {}),
]
missing = set(alerts) - {c[0] for c in cases}
if missing: sys.exit(f'no case for {missing}')
tests = []
for name, inputs, at, labels in cases:
    rule = alerts[name]
    labels = {k: v for k, v in labels.items() if v is not None}
    labels.update(rule.get('labels', {}))
    ann = {k: v.replace('{{ $labels.instance }}', labels.get('instance', '')) for k, v in rule['annotations'].items()}
    tests.append({'name': f'{name} fires', 'interval': '1m', 'input_series': inputs,
                  'alert_rule_test': [{'eval_time': at, 'alertname': name,
                                       'exp_alerts': [{'exp_labels': labels, 'exp_annotations': ann}]}]})
# Quiet: a healthy svidd raises nothing.
healthy = [series('up', '1x120'), series('svidd_serving', '1x120'),
           series('svidd_ca_certificate_expiry_timestamp_seconds', f'{20*DAY}x120', role='signer'),
           series('svidd_ca_certificate_expiry_timestamp_seconds', f'{3000*DAY}x120', role='root'),
           series('svidd_renewals_requested_total', '0+5x120'),
           series('svidd_certificates_issued_total', '0+5x120', kind='workload', api='rotation'),
           series('svidd_requests_refused_total', '0+1x120', reason='invalid-argument/csr'),
           series('svidd_certificates_issued_total', '0+50x120', kind='workload', api='istio'),
           series('svidd_ledger_write_errors_total', '0x120'),
           series('svidd_certificates_expiring_without_successor', '0x120'),
           series('svidd_connections_shed_total', '0x120'),
           series('svidd_accept_descriptors_exhausted_total', '0x120'),
           series('citadel_server_csr_sign_err_count', '0+1x120', error='CSR_ERROR')]
tests.append({'name': 'a healthy svidd raises nothing', 'interval': '1m', 'input_series': healthy,
              'alert_rule_test': [{'eval_time': '100m', 'alertname': n, 'exp_alerts': []} for n in alerts]})
doc = {'rule_files': ['svidd-alerts.yaml'], 'evaluation_interval': '1m', 'tests': tests}
with open('svidd-alerts-test.yaml', 'w') as f:
    f.write('# promtool test rules svidd-alerts-test.yaml: each alert fires on the series that should\n'
            '# raise it, and a healthy svidd raises none. Expected annotations are the rules\' own text.\n')
    yaml.safe_dump(doc, f, sort_keys=False, width=100)
