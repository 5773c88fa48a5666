import { cloneElement, useId, type ReactElement } from 'react';

interface FieldProps {
  label: string;
  /** Help shown under the control and read out with it (aria-describedby). */
  hint?: string | undefined;
  className?: string;
  /** One input or select; it gets the id the label points at. */
  children: ReactElement<{ id?: string; 'aria-describedby'?: string }>;
}

/**
 * A labelled form control: `<label for>` naming exactly the control (not its options or hint), and the
 * hint tied to it for screen readers.
 *
 * @example
 * <Field label="Host"><input value={host} onChange={…} /></Field>
 */
export function Field({ label, hint, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const describedBy = [children.props['aria-describedby'], hint ? hintId : undefined].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': describedBy })}
      {hint ? (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
