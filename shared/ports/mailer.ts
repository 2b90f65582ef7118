/** Where e-mail goes: Amazon SES in AWS, an SMTP server elsewhere. Implementations throw on failure. */
export interface Mail {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html: string;
  /** The same content as plain text (for clients that show no HTML). */
  readonly text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}
