# A one-off probe Pod that the network sees as the build: `kubectl get pod BUILD_POD -o json` in, a
# Pod manifest out, with the build pod's namespace, labels (so the NetworkPolicies that select builds
# by label apply to it), service account, image pull secrets and the Go environment of its build
# container: env, envFrom, and its ConfigMap, Secret and projected mounts (a CA bundle, a .netrc),
# read-only at the same paths. See README ("For a one-off diagnosis"):
#
#   kubectl get pod "$BUILD_POD" -o json \
#     | jq -f k8s/oneoff/as-build.jq --arg image registry.example.com/gomodprobe:0.1.0 --arg container build \
#     | kubectl create -f -
#
# Labels a controller uses to own its pods are dropped: with them the build's Job, ReplicaSet or
# StatefulSet would adopt the probe pod (and count it as one of its own).
def controller_labels:
  ["controller-uid", "job-name", "batch.kubernetes.io/controller-uid", "batch.kubernetes.io/job-name",
   "batch.kubernetes.io/job-completion-index", "pod-template-hash", "controller-revision-hash",
   "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "pod-template-generation"];
def restricted:
  { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
    capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
. as $build
| ([$build.spec.containers[] | select(.name == $container)] | first
   // error("the pod has no container named \($container) (--arg container NAME: the one that runs go)")) as $c
| [($build.spec.volumes // [])[] | select(.configMap or .secret or .projected)] as $files
| [($c.volumeMounts // [])[] | select(.name as $n | $files | map(.name) | index($n)) | . + { readOnly: true }] as $mounts
| {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "gomodprobe-as-\($build.metadata.name)" | .[0:63] | sub("-+$"; ""),
      namespace: $build.metadata.namespace,
      labels: (($build.metadata.labels // {}) | with_entries(select(.key as $k | controller_labels | index($k) | not))
               + { "gomodprobe.dev/as-build": $build.metadata.name })
    },
    spec: ({
      restartPolicy: "Never",
      serviceAccountName: ($build.spec.serviceAccountName // "default"),
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
      containers: [({
        name: "gomodprobe",
        image: $image,
        args: ["--format=pretty"],
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "FallbackToLogsOnError",
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
        securityContext: restricted
      }
      # The build image's go (golang:1.23-bookworm -> 1.23), unless the build container names it already.
      + (([($c.image // "") | capture("(^|/)golang:(?<v>1\\.[0-9]+(\\.[0-9]+)?)")? | .v] | first) as $go
         | ([($c.env // [])[] | select(.name == "GOMODPROBE_GO_VERSION")] | length) as $set
         | (if $go != null and $set == 0 then [{ name: "GOMODPROBE_GO_VERSION", value: $go }] else [] end) + ($c.env // [])
         | if . != [] then { env: . } else {} end)
      + (if $c.envFrom then { envFrom: $c.envFrom } else {} end)
      + (if $mounts != [] then { volumeMounts: $mounts } else {} end))]
    }
    + (if $mounts != [] then { volumes: [$files[] | select(.name as $n | $mounts | map(.name) | index($n))] } else {} end)
    + (if $build.spec.imagePullSecrets then { imagePullSecrets: $build.spec.imagePullSecrets } else {} end))
  }
