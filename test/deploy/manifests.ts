/** Renders the Kubernetes overlays (deploy/k8s) with `kubectl kustomize` and reads what the tests need from them. */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

export const K8S_DIR = path.join(__dirname, "..", "..", "deploy", "k8s");

/** The kubectl on PATH, or null (a laptop without it). */
export function kubectlBinary(): string | null {
	for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
		const file = path.join(dir, "kubectl");
		if (dir && fs.existsSync(file)) return file;
	}
	return null;
}

// Loosely typed on purpose: the manifests are checked against the Kubernetes schemas separately.

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };
export type Container = { name: string; env?: any[]; envFrom?: any[]; ports?: any[]; [k: string]: any };
export type PodSpec = { containers: Container[]; volumes?: any[]; [k: string]: any };

/** Every object of an overlay, as `kubectl kustomize` prints it (its deprecation warnings go to stderr). */
export function render(kubectl: string, overlay: string): K8sObject[] {
	const out = execFileSync(kubectl, ["kustomize", path.join(K8S_DIR, overlay)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
	return (yaml.loadAll(out) as K8sObject[]).filter(Boolean);
}

export const ofKind = (objects: K8sObject[], kind: string) => objects.filter(o => o.kind === kind);

export function named(objects: K8sObject[], kind: string, name: string): K8sObject {
	const found = objects.find(o => o.kind === kind && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)));
	if (!found) throw new Error(`No ${kind} ${name} in the rendered manifests`);
	return found;
}

export const podSpec = (workload: K8sObject): PodSpec => workload.spec.template.spec;

/** The literal value of `name` in a container's environment: its own env, else a ConfigMap or Secret it takes whole. */
export function envValue(objects: K8sObject[], container: Container, name: string): string | undefined {
	const own = container.env?.find(e => e.name === name);
	if (own) return own.value;
	for (const source of container.envFrom ?? []) {
		if (source.configMapRef) {
			const v = named(objects, "ConfigMap", source.configMapRef.name).data?.[name];
			if (v !== undefined) return v;
		}
		if (source.secretRef) {
			const secret = named(objects, "Secret", source.secretRef.name);
			const v = secret.stringData?.[name] ?? (secret.data?.[name] && Buffer.from(secret.data[name], "base64").toString());
			if (v !== undefined) return v;
		}
	}
	return undefined;
}

/** Every variable a container receives: its own env names and every key of the ConfigMaps and Secrets it takes whole. */
export function envNames(objects: K8sObject[], container: Container): string[] {
	const names = (container.env ?? []).map(e => e.name as string);
	for (const source of container.envFrom ?? []) {
		if (source.configMapRef) names.push(...Object.keys(named(objects, "ConfigMap", source.configMapRef.name).data ?? {}));
		if (source.secretRef) {
			const secret = named(objects, "Secret", source.secretRef.name);
			names.push(...Object.keys({ ...secret.data, ...secret.stringData }));
		}
	}
	return [...new Set(names)];
}

/** A container's whole environment as the app would see it, secret references resolved from the rendered Secrets. */
export function containerEnv(objects: K8sObject[], container: Container): Record<string, string> {
	const env: Record<string, string> = {};
	for (const name of envNames(objects, container)) {
		const own = container.env?.find(e => e.name === name);
		const ref = own?.valueFrom?.secretKeyRef;
		const value = ref ? named(objects, "Secret", ref.name).stringData?.[ref.key] : envValue(objects, container, name);
		if (value !== undefined) env[name] = value;
	}
	return env;
}
