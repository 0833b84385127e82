# Regenerates kubernetes/prometheusrule.yaml from svidd-alerts.yaml (run in deploy/monitoring).
import yaml
rules = yaml.safe_load(open('svidd-alerts.yaml'))
doc = {'apiVersion': 'monitoring.coreos.com/v1', 'kind': 'PrometheusRule',
       'metadata': {'name': 'svidd', 'namespace': 'svidd-system'},
       'spec': {'groups': rules['groups']}}
with open('kubernetes/prometheusrule.yaml', 'w') as f:
    f.write('# The rules of ../svidd-alerts.yaml for the Prometheus Operator (the test suite checks they\n'
            '# are the same; regenerate this file when the rules change).\n')
    yaml.safe_dump(doc, f, sort_keys=False, width=100)
