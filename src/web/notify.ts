// Browser notifications when an agent ends a turn or asks for permission, once the user allowed them.
import { signal } from "@preact/signals"

const supported = typeof Notification !== "undefined"

export const permission = signal<NotificationPermission | "unsupported">(supported ? Notification.permission : "unsupported")

export async function askForNotifications(): Promise<void> {
  if (supported) permission.value = await Notification.requestPermission()
}

export function notify(title: string, body: string, tag: string): void {
  if (permission.value === "granted") new Notification(title, { body, tag })
}

/** Notifies about the change from `before` to `now` of an agent's status. */
export function notifyStatus(name: string, before: string | undefined, now: string): void {
  if (before === now || before === undefined) return
  if (now === "waiting") notify(`${name} asks for permission`, "Open it to allow or deny", `agent-${name}`)
  else if ((before === "busy" || before === "waiting") && (now === "idle" || now === "error"))
    notify(`${name} ${now === "idle" ? "finished its turn" : "failed"}`, now === "idle" ? "Ready for the next prompt" : "The turn ended with an error", `agent-${name}`)
}
